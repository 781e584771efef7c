//! Every input of the fuzz corpus, and every input that ever crashed a fuzz target,
//! replayed through the same target bodies on stable (fuzz/harness.rs).

#[path = "../../../fuzz/harness.rs"]
mod harness;

#[test]
fn every_corpus_and_regression_input_is_handled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (name, target) in harness::TARGETS {
        let mut seen = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for e in entries.flatten() {
                let data = std::fs::read(e.path()).unwrap();
                target(&data);
                seen += 1;
            }
        }
        assert!(seen > 0, "no corpus for the fuzz target {name}");
    }
}
