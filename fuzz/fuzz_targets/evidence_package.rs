#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xuncha_server::console::package::fuzzing::evidence_package(data));
