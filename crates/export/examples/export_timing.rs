//! Times the exports of a five-page report and, given a folder, writes them there to look at:
//! `cargo run --release -p lanhmang-export --example export_timing -- /tmp/out`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let doc = common::report(12);
    let started = Instant::now();
    let pdf = lanhmang_export::pdf(&doc)?;
    println!("first PDF (fonts parsed, library built): {:?}", started.elapsed());
    let runs = 10;
    let started = Instant::now();
    for _ in 0..runs {
        lanhmang_export::pdf(&doc)?;
    }
    println!("PDF, same document again: {:?} each", started.elapsed() / runs);
    let started = Instant::now();
    for i in 0..runs {
        let mut changed = doc.clone();
        changed.letterhead.number = format!("{i:02}/BC-PGDĐT");
        lanhmang_export::pdf(&changed)?;
    }
    println!(
        "PDF, a different document each time: {:?} each",
        started.elapsed() / runs
    );
    let started = Instant::now();
    let docx = lanhmang_export::docx(&doc)?;
    println!("DOCX: {:?}", started.elapsed());
    println!("sizes: PDF {} bytes, DOCX {} bytes", pdf.len(), docx.len());
    if let Some(dir) = std::env::args().nth(1) {
        std::fs::write(format!("{dir}/report.pdf"), &pdf)?;
        std::fs::write(format!("{dir}/report.docx"), &docx)?;
    }
    Ok(())
}
