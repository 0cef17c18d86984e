//! What the parsers' fuzz tests share (test code only, a dev-dependency).
//!
//! Each parser that takes outside data has a target: a property test in its own crate
//! (`crates/*/tests/fuzz.rs`) that feeds it generated inputs and mutations of the corpus kept in
//! `fuzz/corpus/<target>/`, and checks that it never panics, never allocates beyond a bound and
//! returns either a typed error or a value that keeps the parser's invariants. The case count is
//! small by default, so CI stays quick; `PROPTEST_CASES` raises it (`bench/fuzz/run.sh`).
//!
//! Every input that once broke a parser is kept in its target's corpus under a name starting
//! with `crash-`, and a named test replays it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Cases per target when `PROPTEST_CASES` is not set: enough to catch a regression of a shallow
/// bug in CI within seconds.
pub const DEFAULT_CASES: u32 = 200;
/// The largest input generated from scratch or grown by mutation.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// The folder of a target's corpus.
pub fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

/// The corpus of a target, sorted by file name: every file in its folder.
///
/// # Panics
/// When the folder is missing or empty: a target without seeds is a mistake worth stopping for.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    files
}

/// The case count: `PROPTEST_CASES`, or [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// One change to an input, as a mutating fuzzer makes them.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Delete(Index, usize),
    Duplicate(Index, usize),
    InsertToken(Index, Index),
    InsertBytes(Index, Vec<u8>),
    Splice(Index, Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        1 => (
            any::<Index>(),
            prop_oneof![Just(0u8), Just(0xff), Just(b'"'), Just(b'<'), Just(b'\n'), any::<u8>()]
        )
            .prop_map(|(i, b)| Mutation::SetByte(i, b)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => (any::<Index>(), 1usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        1 => (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(i, f, s)| Mutation::Splice(i, f, s)),
    ]
}

fn apply(input: &mut Vec<u8>, m: &Mutation, tokens: &[&[u8]], seeds: &[Vec<u8>]) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match m {
        Mutation::FlipBit(i, b) if !input.is_empty() => {
            let p = i.index(input.len());
            input[p] ^= 1 << b;
        }
        Mutation::SetByte(i, b) if !input.is_empty() => {
            let p = i.index(input.len());
            input[p] = *b;
        }
        Mutation::Delete(i, n) if !input.is_empty() => {
            let p = i.index(input.len());
            let end = (p + n).min(input.len());
            input.drain(p..end);
        }
        Mutation::Duplicate(i, n) if !input.is_empty() => {
            let p = i.index(input.len());
            let end = (p + n).min(input.len());
            let copy = input[p..end].to_vec();
            input.splice(end..end, copy);
        }
        Mutation::InsertToken(i, t) if !tokens.is_empty() => {
            let p = at(i, input.len());
            let token = tokens[t.index(tokens.len())];
            input.splice(p..p, token.iter().copied());
        }
        Mutation::InsertBytes(i, bytes) => {
            let p = at(i, input.len());
            input.splice(p..p, bytes.iter().copied());
        }
        Mutation::Splice(i, from, seed) => {
            let other = &seeds[seed.index(seeds.len())];
            if !other.is_empty() {
                let p = at(i, input.len());
                let start = from.index(other.len());
                let end = (start + 512).min(other.len());
                input.splice(p..p, other[start..end].iter().copied());
            }
        }
        _ => {}
    }
    input.truncate(MAX_INPUT_BYTES);
}

/// An input's bytes, shown as escaped text when a case fails (a list of numbers helps no one).
#[derive(Clone)]
pub struct Bytes(pub Vec<u8>);

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\" ({} bytes)", self.0.escape_ascii(), self.0.len())
    }
}

/// Inputs for a target: a corpus file as it is, a corpus file under up to eight mutations
/// (bit flips, deleted and repeated runs, the target's tokens, pieces of other seeds), or bytes
/// built from the tokens and noise alone.
pub fn inputs(target: &str, tokens: &'static [&'static [u8]]) -> BoxedStrategy<Bytes> {
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, b)| b).collect();
    let count = seeds.len();
    let seeds = std::sync::Arc::new(seeds);
    let as_is = {
        let seeds = seeds.clone();
        (0..count).prop_map(move |i| seeds[i].clone())
    };
    let mutated = {
        let seeds = seeds.clone();
        (0..count, prop::collection::vec(mutation(), 1..8)).prop_map(move |(i, ms)| {
            let mut input = seeds[i].clone();
            for m in &ms {
                apply(&mut input, m, tokens, &seeds);
            }
            input
        })
    };
    let from_tokens = prop::collection::vec(
        prop_oneof![
            3 => (0..tokens.len().max(1)).prop_map(move |t| tokens.get(t).map(|t| t.to_vec()).unwrap_or_default()),
            1 => prop::collection::vec(any::<u8>(), 0..32),
        ],
        0..64,
    )
    .prop_map(|parts| parts.concat());
    prop_oneof![1 => as_is, 6 => mutated, 2 => from_tokens]
        .prop_map(Bytes)
        .boxed()
}

/// Runs `check` over `cases()` inputs from `strategy`, and prints how many ran, how fast, and
/// the largest allocation peak seen. A failing case is shrunk and reported with its input.
///
/// # Panics
/// When a case fails (the property does not hold or the parser panicked).
pub fn run<T: std::fmt::Debug>(
    target: &str,
    strategy: impl Strategy<Value = T>,
    check: impl Fn(T) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases: cases(),
        // The corpus and the named tests keep what was found; no files appear beside the code.
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    quiet_panics_in_fuzzing();
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let executions = Cell::new(0u64);
    PEAK_SEEN.with(|p| p.set(0));
    FUZZING.with(|f| f.set(true));
    let result = runner.run(&strategy, |input| {
        executions.set(executions.get() + 1);
        check(input)
    });
    FUZZING.with(|f| f.set(false));
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    println!(
        "fuzz {target}: {} executions in {:.1} s ({:.0}/s), largest allocation peak {} KiB",
        executions.get(),
        elapsed.as_secs_f64(),
        executions.get() as f64 / elapsed.as_secs_f64(),
        PEAK_SEEN.with(Cell::get) / 1024
    );
    if let Err(e) = result {
        panic!("fuzz {target}: {e}");
    }
}

/// A target's property over one input, as the crash replay calls it.
pub type Check = fn(&[u8]) -> Result<(), TestCaseError>;

/// Replays every `crash-*` file of the targets' corpora through their checks, and returns how
/// many there were.
///
/// # Panics
/// When one of them breaks its target's property again.
pub fn replay_crashes(targets: &[(&str, Check)]) -> usize {
    quiet_panics_in_fuzzing();
    let mut replayed = 0;
    for (target, check) in targets {
        for (name, bytes) in corpus(target) {
            if name.starts_with("crash-") {
                FUZZING.with(|f| f.set(true));
                let result = check(&bytes);
                FUZZING.with(|f| f.set(false));
                if let Err(e) = result {
                    panic!("{target}/{name}: {e}");
                }
                replayed += 1;
            }
        }
    }
    replayed
}

/// Panics a target provokes are expected (a parser under test, or one it wraps in
/// `catch_unwind`), and proptest reports the one that fails a case with its input; printing
/// each of them as well would bury the report. Other threads and tests print as usual.
fn quiet_panics_in_fuzzing() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

thread_local! {
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static PEAK_SEEN: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the bytes live on each thread and their peak, so that a test
/// can measure what one call of a parser allocated at most. A test binary installs it with
/// `#[global_allocator] static METER: lanhmang_fuzz::Meter = lanhmang_fuzz::Meter;`.
pub struct Meter;

fn note(delta: isize) {
    // `try_with`: the allocator also runs while a thread's locals are being torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

// SAFETY: every call is passed to the system allocator unchanged; the counting beside it
// touches only this thread's `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Calls `f` and returns its result with the most bytes it held allocated at once on this
/// thread (with [`Meter`] installed; 0 without it).
pub fn peak_bytes<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let result = f();
    let peak = (PEAK.with(Cell::get) - start).max(0) as usize;
    PEAK_SEEN.with(|p| p.set(p.get().max(peak)));
    (result, peak)
}

/// Fails the case when `f` allocates more than `limit` bytes at once, and returns its result.
pub fn bounded<R>(what: &str, limit: usize, f: impl FnOnce() -> R) -> Result<R, TestCaseError> {
    let (result, peak) = peak_bytes(f);
    if peak > limit {
        return Err(TestCaseError::fail(format!(
            "{what}: allocated {peak} bytes at once, the bound is {limit}"
        )));
    }
    Ok(result)
}
