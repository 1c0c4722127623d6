fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let cfg = sfsec::config::Config::default();
    let found = sfsec::discovery::discover(&dir, &[], &dir, &cfg).unwrap();
    let un = sfsec::project::read(found);
    let hot = sfsec::dataflow::hot::HotBodies::find(&un.project, &["getsessionid", "getcontent", "$api.session_id"]);
    let (mut kept, mut elided, mut kept_nodes, mut all_nodes) = (0, 0, 0usize, 0usize);
    for f in &un.project.files {
        if f.kind != sfsec::kind::FileKind::Apex {
            continue;
        }
        let Some(tree) = sfsec::apex::parse(&sfsec::apex::neutralize_tokens(&f.text)) else {
            continue;
        };
        let marks = hot.marks(&f.text);
        let t = sfsec::flat::FlatTree::declarations_keeping(&tree, &marks);
        let d = sfsec::flat::FlatTree::declarations(&tree);
        kept_nodes += t.nodes().count();
        all_nodes += d.nodes().count();
        elided += t.nodes().filter(|n| n.is_elided()).count();
        kept += d.nodes().filter(|n| n.is_elided()).count() - t.nodes().filter(|n| n.is_elided()).count();
    }
    println!("bodies kept {kept} elided {elided}; nodes with hot {kept_nodes} decl-only {all_nodes}");
}
