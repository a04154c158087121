//! Every message the server writes into an error is for an officer or a supervisor: Chinese,
//! with no English words (those go to the log). This scans the source, so a new English
//! `ApiError::bad_request("...")` fails CI before anyone reads it.

use std::path::Path;
use xuncha_fixtures::source_scan::{call_args, rust_files};

/// The constructors whose string arguments are messages people read.
const CALLS: &[&str] = &["bad_request(", "unauthorized(", "forbidden(", "not_found(", "new("];

/// A call found in the source: where, and its string literals.
#[derive(Debug)]
struct Call {
    at: String,
    literals: Vec<String>,
}

/// Every call of the constructors in `src`, outside comments. In `error.rs` the constructors
/// are also called as `Self::…`.
fn calls(src: &str, file: &str) -> Vec<Call> {
    let mut prefixes = vec!["ApiError::"];
    if file.ends_with("error.rs") {
        prefixes.push("Self::");
    }
    let mut found = Vec::new();
    for prefix in prefixes {
        for call in CALLS {
            let needle = format!("{prefix}{call}");
            for (at, _) in src.match_indices(&needle) {
                let line_start = src[..at].rfind('\n').map_or(0, |n| n + 1);
                if src[line_start..at].contains("//") {
                    continue;
                }
                let mut literals: Vec<String> = call_args(&src[at + needle.len()..]).concat();
                if *call == "new(" {
                    // The code argument: a stable snake_case name, not a message.
                    literals.retain(|l| !l.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
                }
                let line = src[..at].matches('\n').count() + 1;
                found.push(Call { at: format!("{file}:{line}"), literals });
            }
        }
    }
    found
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// What is wrong with a message literal: no Chinese, or an English word (3+ ASCII letters)
/// outside its `{…}` placeholders.
fn problem(literal: &str) -> Option<String> {
    if !literal.chars().any(is_han) {
        return Some(format!("{literal:?} has no Chinese"));
    }
    let mut text = String::new();
    let mut depth = 0;
    for c in literal.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => text.push(c),
            _ => text.push(' '),
        }
    }
    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3).collect();
    if words.is_empty() { None } else { Some(format!("{literal:?} has English words {words:?}")) }
}

#[test]
fn the_scanner_finds_english_messages() {
    let src = r#"
        fn f() {
            ApiError::bad_request("the body is not valid");
            ApiError::new(StatusCode::CONFLICT, "offset", format!("服务器已收到 {n} 字节"));
            // ApiError::forbidden("a comment is not a call")
            ApiError::not_found(format!("找不到 {id}: no such record"));
            ApiError::forbidden(why);
        }
    "#;
    let found = calls(src, "x.rs");
    assert_eq!(found.len(), 4, "{found:?}");
    let bad: Vec<_> = found.iter().flat_map(|c| &c.literals).filter_map(|l| problem(l)).collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    // A message passed as a variable cannot be read here (it is checked where it is made).
    assert!(found.iter().any(|c| c.literals.is_empty()));
}

#[test]
fn every_error_message_in_the_server_source_is_chinese() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&root);
    let mut all = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        all.extend(calls(&src, &name));
    }
    let with_messages = all.iter().filter(|c| !c.literals.is_empty()).count();
    assert!(with_messages >= 60, "the scan found only {with_messages} messages: is it still looking?");
    let failures: Vec<String> = all
        .iter()
        .flat_map(|c| c.literals.iter().filter_map(|l| problem(l)).map(move |why| format!("{}: {why}", c.at)))
        .collect();
    assert!(failures.is_empty(), "{} English messages:\n{}", failures.len(), failures.join("\n"));
}
