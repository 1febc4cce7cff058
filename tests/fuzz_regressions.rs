//! Replays every saved fuzz input natively: the seeds (`fuzz/seeds/TARGET/`) and every input
//! that once made a target fail (`fuzz/regressions/TARGET/`, saved by `scripts/fuzz.mjs`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/checks.rs"]
mod checks;

#[test]
fn every_saved_fuzz_input_passes_its_target() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, target) in checks::TARGETS {
        for dir in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else { continue };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                if std::panic::catch_unwind(|| target(&data)).is_err() {
                    panic!("{} fails its target {name}", path.display());
                }
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 20, "only {replayed} inputs replayed");
}
