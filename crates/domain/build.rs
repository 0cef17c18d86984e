//! Lists the built-in lesson files (`lessons/<topic>/<band>.toml`) so `lesson::FILES` includes
//! each one: a lesson added to the folder ships without touching code.

use std::{env, fs, path::Path};

fn main() {
    // Read when the script runs, not when it was compiled: a build script compiled in another
    // checkout of the workspace (same fingerprint) would otherwise read that checkout's folder,
    // and find nothing once it is gone.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let root = Path::new(&manifest_dir).join("lessons");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if let Ok(topics) = fs::read_dir(&root) {
        for topic in topics.flatten() {
            println!("cargo:rerun-if-changed={}", topic.path().display());
            let Ok(bands) = fs::read_dir(topic.path()) else {
                continue;
            };
            for band in bands.flatten() {
                let path = band.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    println!("cargo:rerun-if-changed={}", path.display());
                    let name = format!(
                        "{}/{}",
                        topic.file_name().to_string_lossy(),
                        path.file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    );
                    files.push((name, path));
                }
            }
        }
    }
    // A build without the lessons would ship an empty library without a word.
    if files.is_empty() {
        panic!("no lesson files under {}", root.display());
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (name, path) in files {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push(']');
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("built_in_lessons.rs");
    if let Err(e) = fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
