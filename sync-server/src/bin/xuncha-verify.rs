//! `xuncha-verify PACKAGE.zip|FOLDER`: verifies an evidence package offline.
//! Exit status: 0 verified; 1 a check failed (changed, removed or added files, bad signature,
//! broken chain, damaged archive); 2 usage; 3 verified but some evidence bytes are not in it.

use std::path::Path;
use xuncha_server::console::package::{verify, zip};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!("usage: xuncha-verify PACKAGE.zip|FOLDER");
        std::process::exit(2);
    };
    let path = Path::new(path);
    let files = if path.is_dir() {
        zip::read_dir(path)
    } else {
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())).and_then(|b| zip::read(&b))
    };
    let files = match files {
        Ok(f) => f,
        Err(why) => {
            println!("验证失败 FAILED: {why}");
            std::process::exit(1);
        }
    };
    let outcome = verify::verify_files(&files);
    for note in &outcome.notes {
        println!("  ok  {note}");
    }
    for why in &outcome.incomplete {
        println!("  缺少 MISSING  {why}");
    }
    for why in &outcome.failures {
        println!("  失败 FAILED  {why}");
    }
    match outcome.exit_code() {
        0 => println!("验证通过 VERIFIED: {} evidence item(s), every check held", outcome.items_verified),
        3 => println!("验证通过但不完整 INCOMPLETE: {} item(s) lack their bytes", outcome.incomplete.len()),
        _ => println!("验证失败 FAILED: {} check(s) failed; the package is not as exported", outcome.failures.len()),
    }
    std::process::exit(outcome.exit_code());
}
