//! A Visualforce page's controller and extension classes, found by name and parsed once per
//! scan for every web rule that reads them: pages share controllers, and the rules ask about
//! the same ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::diagnostics::finding::FileId;
use crate::lints::Ctx;
use crate::workspace::kind::FileKind;

/// A class file's tree; `None` when it does not parse.
pub(crate) type ClassTree = Arc<Option<tree_sitter::Tree>>;

pub(crate) struct PageClasses {
    /// Lower-cased class name (the file's stem) -> its files.
    by_name: HashMap<String, Vec<FileId>>,
    parsed: Mutex<HashMap<FileId, ClassTree>>,
}

impl PageClasses {
    /// The scan's instance, built by the first rule that asks.
    pub(crate) fn of(cx: &Ctx<'_>) -> Arc<PageClasses> {
        let build = || {
            let mut by_name: HashMap<String, Vec<FileId>> = HashMap::new();
            for (id, f) in cx.project.files.iter().enumerate() {
                if f.kind != FileKind::Apex {
                    continue;
                }
                if let Some(stem) = std::path::Path::new(&f.rel).file_stem().and_then(|s| s.to_str()) {
                    by_name.entry(stem.to_ascii_lowercase()).or_default().push(id);
                }
            }
            PageClasses {
                by_name,
                parsed: Mutex::new(HashMap::new()),
            }
        };
        cx.memo
            .get("web-page-classes", build)
            .unwrap_or_else(|| Arc::new(build()))
    }

    /// The files of the classes page `text` names (`controller=`, `extensions=`), in order,
    /// with their trees.
    pub(crate) fn of_page(&self, cx: &Ctx<'_>, text: &str) -> Vec<(FileId, ClassTree)> {
        let mut out = Vec::new();
        for class in crate::syntax::vf::controllers(text) {
            for &id in self.by_name.get(&class.to_ascii_lowercase()).into_iter().flatten() {
                out.push((id, self.tree(cx, id)));
            }
        }
        out
    }

    fn tree(&self, cx: &Ctx<'_>, id: FileId) -> ClassTree {
        if let Some(t) = self.parsed.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return t.clone();
        }
        // Parsed outside the lock: another rule may parse the same class meanwhile, and the
        // first tree stored wins.
        let text = &cx.project.files[id].text;
        let tree = Arc::new(crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(
            text,
        )));
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        parsed.entry(id).or_insert(tree).clone()
    }
}
