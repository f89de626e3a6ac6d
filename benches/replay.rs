//! Replay speed, printed (not asserted): the whole process — start, load suite and cassette,
//! replay, report — for the shipped lifecycle cassettes, and proof that replay time does not
//! depend on how long the recorded waits took (a copy with every offset stretched ×25).
//!
//! Run: `cargo bench --bench replay` (builds the release binary first).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status =
        Command::new("cargo").args(["build", "--release", "--quiet"]).current_dir(root).status().expect("cargo build");
    assert!(status.success());
    root.join("target/release/tapedeck")
}

fn time_runs(bin: &Path, dir: &Path, args: &[&str], n: usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for _ in 0..n {
        let start = Instant::now();
        let out = Command::new(bin).args(args).current_dir(dir).output().expect("run tapedeck");
        times.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }
    times.sort();
    (times[n / 2], times[0])
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = binary();
    let n = 30;
    let (median, best) = time_runs(&bin, root, &["run", "suites/server-lifecycle.yaml", "--microversion", "2.1"], n);
    println!(
        "replay of the lifecycle at 2.1 (one run) incl. process start:   median {:.1} ms, best {:.1} ms over {n} runs",
        ms(median),
        ms(best)
    );
    let (median, best) = time_runs(&bin, root, &["run", "suites/server-lifecycle.yaml"], n);
    println!(
        "replay of the lifecycle at all its microversions (6 runs):     median {:.1} ms, best {:.1} ms over {n} runs",
        ms(median),
        ms(best)
    );

    // The same cassettes with every recorded offset and duration ×25 (a minute and more of recorded waiting; still within the suite timeouts).
    let tmp = tempfile::tempdir().unwrap();
    let stretched = tmp.path().join("cassettes");
    std::fs::create_dir_all(&stretched).unwrap();
    for entry in std::fs::read_dir(root.join("cassettes/nova-34.0.0")).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("server-lifecycle@") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let out: String = text
            .lines()
            .map(|l| match l.trim_start().split_once(": ") {
                Some((k @ ("offset_ms" | "duration_ms"), v)) if v.parse::<u64>().is_ok() => {
                    let indent = &l[..l.len() - l.trim_start().len()];
                    format!("{indent}{k}: {}\n", v.parse::<u64>().unwrap() * 25)
                }
                _ => format!("{l}\n"),
            })
            .collect();
        std::fs::write(stretched.join(path.file_name().unwrap()), out).unwrap();
    }
    let suite = root.join("suites/server-lifecycle.yaml").display().to_string();
    let (median_x, best_x) = time_runs(&bin, tmp.path(), &["run", "--cassettes", "cassettes", &suite], n);
    println!(
        "the same 6 runs with every recorded offset ×25:              median {:.1} ms, best {:.1} ms",
        ms(median_x),
        ms(best_x)
    );
    println!("ratio (stretched / original): {:.2}", ms(median_x) / ms(median));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
