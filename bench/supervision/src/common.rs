#![allow(dead_code)] // Each benchmark binary uses a part of these helpers.

//! Helpers shared by the supervision benchmarks: timing series, quantiles, formatting, and the
//! machine's state for the record.

use std::future::Future;
use std::time::{Duration, Instant};

/// Measured durations of one operation.
pub struct Series {
    pub name: String,
    pub samples: Vec<Duration>,
    /// The error that stopped the series, if one did.
    pub error: Option<String>,
}

impl Series {
    pub fn quantile(&self, q: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        if s.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank: the smallest sample with at least q of the samples at or below it.
        let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
        s[rank - 1]
    }

    pub fn max(&self) -> Duration {
        self.samples.iter().copied().max().unwrap_or_default()
    }
}

/// Runs `f` `warmup` times unmeasured, then `n` times measured. The first error stops the
/// series and is kept in it (the other series still run).
pub async fn measure<F, Fut>(name: &str, warmup: usize, n: usize, mut f: F) -> Series
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut series = Series {
        name: name.to_string(),
        samples: Vec::with_capacity(n),
        error: None,
    };
    for i in 0..warmup + n {
        let t = Instant::now();
        if let Err(e) = f(i).await {
            println!("  {name}: ERROR {e}");
            series.error = Some(e.to_string());
            break;
        }
        if i >= warmup {
            series.samples.push(t.elapsed());
        }
    }
    series
}

/// Milliseconds, one decimal below 100.
pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub use lanhmang_store::bench_data::load_average;

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

#[allow(unused_imports)] // Each benchmark binary uses a part of these helpers.
pub use lanhmang_store::bench_data::{peak_rss_mib, thousands};

/// Prints PASS or FAIL for each goal and remembers whether one failed.
#[derive(Default)]
pub struct Goals {
    pub failed: bool,
}

impl Goals {
    pub fn check(&mut self, ok: bool, text: String) {
        self.failed |= !ok;
        println!("{} {text}", if ok { "PASS" } else { "FAIL" });
    }
}
