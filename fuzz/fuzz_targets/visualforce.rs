#![no_main]

libfuzzer_sys::fuzz_target!(init: sfsec::fuzz::init(), |data: &[u8]| {
    sfsec::fuzz::visualforce(data);
});
