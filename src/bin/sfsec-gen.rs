//! `sfsec-gen OUT [CLASSES] [SEED]`: writes a generated SFDX project for benchmarks and prints
//! what it wrote (and every planted problem) as JSON.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `sfsec-gen --help` wrote a project into a folder named `--help`.
    let Some(out) = args.get(1).filter(|a| !a.starts_with('-')) else {
        eprintln!("usage: sfsec-gen OUT [CLASSES] [SEED]");
        std::process::exit(2);
    };
    let classes = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    match sfsec::generate::project(std::path::Path::new(out), classes, seed) {
        Ok(g) => {
            let seeded: Vec<serde_json::Value> = g
                .seeded
                .iter()
                .map(|s| serde_json::json!({ "path": s.path, "line": s.line, "rule": s.rule }))
                .collect();
            let summary = serde_json::json!({
                "files": g.files, "apex_classes": g.apex_classes, "bytes": g.bytes, "seeded": seeded,
            });
            println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
        }
        Err(e) => {
            eprintln!("sfsec-gen: {out}: {e}");
            std::process::exit(2);
        }
    }
}
