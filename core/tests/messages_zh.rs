//! Officers read `Error::Invalid`'s `why` as it was written: every call site must write it in
//! Chinese. Walking every call would need every bad input; reading the sources catches a new
//! English message the day it is written.

use std::path::Path;
use xuncha_fixtures::source_scan::{call_args, rust_files};

/// Calls whose message arguments are read by officers.
const CALLS: [&str; 3] = ["Error::invalid(", "Error::invalid_because(", "bad("];

#[test]
fn every_invalid_input_message_in_core_is_chinese() {
    let files = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut checked = 0;
    let mut english = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests at the bottom of a file build errors of their own.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        // `bad` is a local shorthand; only where it builds `Error::invalid` do officers read it
        // (elsewhere it builds `CorruptChanges`, whose detail is for logs).
        let bad_is_invalid = code
            .match_indices("let bad = |")
            .any(|(at, _)| code[at..].lines().take(2).collect::<String>().contains("Error::invalid"));
        for call in CALLS.iter().filter(|c| **c != "bad(" || bad_is_invalid) {
            for (at, _) in code.match_indices(call) {
                let after = &code[at + call.len()..];
                let args = call_args(after);
                // The first argument names the field for logs; the rest is what officers read.
                let read = if args.len() > 1 { &args[1..] } else { &args[..] };
                let literals: Vec<&String> = read.iter().flat_map(|a| a.iter()).collect();
                if literals.is_empty() {
                    continue;
                }
                checked += 1;
                if !literals.iter().any(|l| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))) {
                    english.push(format!("{}: {call}{literals:?}", file.display()));
                }
            }
        }
    }
    assert!(checked >= 50, "only {checked} messages found: is the scan still reading the calls?");
    assert!(english.is_empty(), "messages officers read are not Chinese:\n{}", english.join("\n"));
}
