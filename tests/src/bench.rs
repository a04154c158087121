//! What the benchmarks share: the output line, repetitions and their median, where their data
//! lives.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// One figure, in the one format `scripts/bench` passes on.
pub fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

/// Repetitions of each figure inside one run (`BENCH_REPS`, default 3); every timed figure is
/// the median of these, so one slow moment of a shared machine does not make the figure.
pub fn reps() -> usize {
    std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(3)
}

/// The median (the mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "a median of nothing");
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// The p-th percentile (0..1) by nearest rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Where benchmarks put their data: `BENCH_DIR` (scripts/bench sets it to `target/`, on disk,
/// so fsync costs what it costs), or the working directory.
pub fn bench_dir() -> PathBuf {
    std::env::var_os("BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

pub fn tempdir() -> tempfile::TempDir {
    std::fs::create_dir_all(bench_dir()).unwrap();
    tempfile::tempdir_in(bench_dir()).unwrap()
}

/// Scratch space where fsync is free (tmpfs), for data made only to be sent, never measured.
pub fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempdir())
}

/// Seconds since `t`.
pub fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Copies a directory tree (a closed store or a stopped server's data).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
