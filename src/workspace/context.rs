//! The context of files given by name (a pre-commit hook's list): the files each is judged
//! with, found from its path and the names in its text, without a walk of the project.

use std::collections::BTreeMap;

// Every identifier of every class followed is looked up: SipHash was a third of a warm
// pre-commit run.
use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use walkdir::WalkDir;

use crate::workspace::confine::Confine;
use crate::workspace::discovery::{Candidate, WalkProblem, link_problem, relative};
use crate::workspace::kind::classify;

/// Where data flows may start, for reading the callers of given classes (see
/// [`ClassDirs::callers`]): no flow rule runs, only in code that names one of these words
/// (lower case), or anywhere.
#[derive(Debug, Clone)]
pub(crate) enum Sources {
    None,
    Hinted(Vec<&'static str>),
    Anywhere,
}

/// Given files need some others to be judged alone (companions, the classes they call, and
/// the callers of given classes); those are read, not reported on, but for the flows that
/// start in a given file. Only files named on the command line: a walked folder brings
/// everything already.
pub(super) fn add_context(
    root: &Path,
    given: &[PathBuf],
    sources: &Sources,
    confine: &Confine,
    excluded: &dyn Fn(&Path, &str, bool) -> bool,
    files: &mut BTreeMap<String, Candidate>,
    problems: &mut Vec<WalkProblem>,
) {
    let mut classes = ClassDirs::default();
    let callers = classes.callers(given, sources);
    let flow_words = match sources {
        Sources::Hinted(words) => crate::syntax::apex::words_matcher(words),
        _ => None,
    };
    let mut needed = Vec::new();
    for abs in given {
        needed.extend(companions(abs));
        let (named, others) = classes.referenced(abs);
        // The classes a file names serve only data flow: without a source anywhere among
        // them, no flow can start, and parsing them was most of a pre-commit run.
        let flows = match sources {
            Sources::None => false,
            Sources::Anywhere => true,
            Sources::Hinted(_) => flow_words.as_ref().is_none_or(|words| {
                std::iter::once(abs)
                    .chain(&named)
                    .chain(&others)
                    .any(|f| classes.may_start_flow(f, words))
            }),
        };
        if flows {
            needed.extend(named);
        }
        needed.extend(others);
        needed.extend(classes.crypto_settings(abs));
    }
    let mut needed: Vec<PathBuf> = needed.into_iter().chain(callers).collect();
    // A class's API version (its `-meta.xml`) decides its default access mode (see
    // `crud-violation`): every class read, given or brought, comes with its companion.
    let metas: Vec<PathBuf> = given
        .iter()
        .chain(&needed)
        .filter(|p| p.extension().is_some_and(|x| x == "cls"))
        .map(|p| {
            let mut m = p.clone().into_os_string();
            m.push("-meta.xml");
            PathBuf::from(m)
        })
        .filter(|m| m.is_file())
        .collect();
    needed.extend(metas);
    for other in needed {
        let rel = relative(root, &other);
        let kind = classify(Path::new(&rel));
        if kind.is_scanned() && !excluded(&other, &rel, false) {
            // Resolving every context file would cost a walk of its path; a link is either
            // the file or the folder it sits in (the given file's folders were checked).
            let linked = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            if (linked(&other) || other.parent().is_some_and(linked)) && confine.leaves(&other) {
                problems.push(link_problem(root, &other));
                continue;
            }
            files.entry(rel.clone()).or_insert(Candidate {
                abs: other,
                rel,
                kind,
                context: true,
                preread: None,
            });
        }
    }
    for c in files.values_mut() {
        c.preread = classes.take(&c.abs);
    }
}

/// The files a given file is judged with, found by path (cheap, no walk of the project):
/// - an External Client App file: every file of the app's family of folders beside it (the
///   header, OAuth settings and policies are separate files that the rules read together);
/// - a custom field: its object (visibility, settings type) and the object's other fields;
/// - an object: its fields;
/// - a site: the guest profile it names.
///
/// The classes a file names are found by [`ClassDirs`].
fn companions(file: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Some(dir) = file.parent() else { return out };
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let eca_folder = |n: &str| n == "externalClientApps" || n.starts_with("extlClntApp");
    if eca_folder(dir_name) {
        if let Some(parent) = dir.parent() {
            let mut folders: Vec<PathBuf> = std::fs::read_dir(parent)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.is_dir() && p.file_name().and_then(|n| n.to_str()).is_some_and(eca_folder))
                        .collect()
                })
                .unwrap_or_default();
            folders.sort();
            for f in folders {
                out.extend(list(&f));
            }
        }
    } else if dir_name == "fields" {
        if let Some(object_dir) = dir.parent() {
            out.extend(list(object_dir));
            out.extend(list(dir));
        }
    } else if file.to_string_lossy().ends_with(".object-meta.xml") {
        out.extend(list(&dir.join("fields")));
    } else if dir_name == "sites"
        && let Some(text) = crate::workspace::confine::read_context(file)
        && let Some(start) = text.find("<guestProfile>")
    {
        let rest = &text[start + "<guestProfile>".len()..];
        let name = rest.split('<').next().unwrap_or("").trim();
        if let Some(parent) = dir.parent().filter(|_| !name.is_empty()) {
            for suffix in [".profile-meta.xml", ".profile"] {
                let p = parent.join("profiles").join(format!("{name}{suffix}"));
                if p.is_file() {
                    out.push(p);
                }
            }
        }
    }
    out.retain(|p| p != file);
    out
}

/// Apex classes a given file uses, by name, for the data flow that crosses files: classes named
/// in a class or trigger, the controller of an Aura bundle, the classes an LWC module imports
/// (`@salesforce/apex/Class.method`), and the classes those name in turn, two levels deep.
/// Each folder is listed once, into a map by lower-case name (Apex names are not case
/// sensitive), and each file read once: the texts go on to the scan with their candidates.
#[derive(Default)]
struct ClassDirs {
    /// Per folder and file suffix: lower-case stem to its file.
    listed: HashMap<(PathBuf, &'static str), Rc<HashMap<String, PathBuf>>>,
    /// Files read so far (`None`: unreadable or not UTF-8).
    texts: HashMap<PathBuf, Option<Rc<String>>>,
    /// Whether a file's text may start a flow (see [`ClassDirs::may_start_flow`]).
    starts: HashMap<PathBuf, bool>,
    /// The pages and classes a file names, by file and package folder (see
    /// [`ClassDirs::named_in`]): the given files' class graphs overlap.
    named: HashMap<(PathBuf, PathBuf), Rc<Named>>,
}

/// What one file names of its package: pages in order of appearance, classes sorted.
#[derive(Default)]
struct Named {
    pages: Vec<PathBuf>,
    classes: Vec<PathBuf>,
}

impl ClassDirs {
    /// The files of `dir` named `<stem><suffix>`, by lower-case stem.
    fn listing(&mut self, dir: &Path, suffix: &'static str) -> Rc<HashMap<String, PathBuf>> {
        self.listed
            .entry((dir.to_path_buf(), suffix))
            .or_insert_with(|| {
                let map = std::fs::read_dir(dir)
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .filter_map(|e| {
                                let name = e.file_name();
                                let stem = name.to_str()?.strip_suffix(suffix)?.to_ascii_lowercase();
                                Some((stem, e.path()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Rc::new(map)
            })
            .clone()
    }

    /// Whether `path`'s text names a source hint of `words`: the given files' class graphs
    /// overlap, and each text is searched once.
    fn may_start_flow(&mut self, path: &Path, words: &aho_corasick::AhoCorasick) -> bool {
        if let Some(&known) = self.starts.get(path) {
            return known;
        }
        // Non-ASCII text can fold to a hint in ways the automaton does not: kept.
        let starts = self
            .text(path)
            .is_some_and(|t| !t.is_ascii() || words.is_match(t.as_bytes()));
        self.starts.insert(path.to_path_buf(), starts);
        starts
    }

    /// The pages (`Page.X`) and classes of `package` that `file` names.
    fn named_in(&mut self, file: &Path, package: &Path) -> Rc<Named> {
        let key = (file.to_path_buf(), package.to_path_buf());
        if let Some(known) = self.named.get(&key) {
            return known.clone();
        }
        let classes = self.listing(&package.join("classes"), ".cls");
        let pages = self.listing(&package.join("pages"), ".page");
        let mut named = Named::default();
        if let Some(text) = self.text(file) {
            let lower = text.to_ascii_lowercase();
            // `Page.X.getContent()`: the page says whether its content is the session.
            for (at, _) in lower.match_indices("page.") {
                let name: &str = lower[at + 5..]
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                if let Some(page) = pages.get(name) {
                    named.pages.push(page.clone());
                }
            }
            // Identifiers, each looked up in the folder's listing.
            let words = lower
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.len() > 1 && w.starts_with(|c: char| c.is_ascii_alphabetic()));
            let mut hits: Vec<&PathBuf> = words.filter_map(|w| classes.get(w)).collect();
            hits.sort();
            hits.dedup();
            named.classes = hits.into_iter().cloned().collect();
        }
        let named = Rc::new(named);
        self.named.insert(key, named.clone());
        named
    }

    fn text(&mut self, path: &Path) -> Option<Rc<String>> {
        self.texts
            .entry(path.to_path_buf())
            .or_insert_with(|| crate::workspace::confine::read_context(path).map(Rc::new))
            .clone()
    }

    /// The bytes already read of `path`, handed on so that the scan does not read it again.
    fn take(&mut self, path: &Path) -> Option<Vec<u8>> {
        let text = self.texts.remove(path)??;
        Some(
            Rc::try_unwrap(text)
                .unwrap_or_else(|shared| (*shared).clone())
                .into_bytes(),
        )
    }

    /// For a field of a custom setting or metadata type: the classes that read it (code use can
    /// make a vaguely named field a credential). This reads every class of the folder, so only
    /// these fields ask for it.
    fn readers_of_setting_field(&mut self, file: &Path) -> Vec<PathBuf> {
        let (Some(fields), Some(field)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
            return Vec::new();
        };
        let Some(object_dir) = fields.parent().filter(|_| fields.ends_with("fields")) else {
            return Vec::new();
        };
        let object = object_dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let meta = self
            .text(&object_dir.join(format!("{object}.object-meta.xml")))
            .is_some_and(|t| t.contains("<customSettingsType>"));
        if !(object.to_ascii_lowercase().ends_with("__mdt") || meta) {
            return Vec::new();
        }
        let field = field.split('.').next().unwrap_or("").to_ascii_lowercase();
        let Some(classes_dir) = object_dir.parent().and_then(Path::parent).map(|p| p.join("classes")) else {
            return Vec::new();
        };
        let mut readers: Vec<PathBuf> = Vec::new();
        for p in self.listing(&classes_dir, ".cls").values() {
            if self.text(p).is_some_and(|t| t.to_ascii_lowercase().contains(&field)) {
                readers.push(p.clone());
            }
        }
        readers.sort();
        readers
    }

    /// For a class that calls `Crypto`: the custom setting and custom metadata type objects it
    /// reads through a reader call (`Keys__c.getOrgDefaults()`), whose visibility says whether
    /// a key read from them is public (see `bad-crypto`).
    fn crypto_settings(&mut self, file: &Path) -> Vec<PathBuf> {
        if file.extension().is_none_or(|x| x != "cls") {
            return Vec::new();
        }
        let Some(text) = self.text(file) else { return Vec::new() };
        let lower = text.to_ascii_lowercase();
        if !lower.contains("crypto.") {
            return Vec::new();
        }
        let Some(objects) = file.parent().and_then(Path::parent).map(|p| p.join("objects")) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = Vec::new();
        for suffix in ["__c.get", "__mdt.get"] {
            for (at, _) in lower.match_indices(suffix) {
                let end = at + suffix.len() - 4;
                let start = lower[..at]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                // The name as written: the folder is named so.
                let name = &text[start..end];
                let meta = objects.join(name).join(format!("{name}.object-meta.xml"));
                if meta.is_file() && !out.contains(&meta) {
                    out.push(meta);
                }
            }
        }
        out.sort();
        out
    }

    /// For a page or component: its controller classes, which say where its properties'
    /// values come from (a request parameter, see `xss-url-param`); and where it turns encoding
    /// off (`escape="false"`), what says whether the values it shows are the code's (see
    /// `xss-escape-false`): the definitions of the custom fields it names and, for a
    /// component, the pages and components that use it.
    fn unescaped_output_context(&mut self, file: &Path) -> Vec<PathBuf> {
        let Some(text) = self.text(file) else { return Vec::new() };
        let Some(package) = file.parent().and_then(Path::parent) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let controllers = crate::syntax::vf::controllers(&text);
        if !controllers.is_empty() {
            let classes = self.listing(&package.join("classes"), ".cls");
            out.extend(controllers.iter().filter_map(|c| classes.get(c).cloned()));
        }
        let lower = text.to_ascii_lowercase();
        if !lower.contains("escape") {
            return out;
        }
        // `Field__c` names, each looked up in every object's `fields` folder.
        let mut fields: Vec<&str> = lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.len() > 3 && w.ends_with("__c"))
            .collect();
        fields.sort_unstable();
        fields.dedup();
        if !fields.is_empty() {
            let mut objects: Vec<PathBuf> = std::fs::read_dir(package.join("objects"))
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path().join("fields")).collect())
                .unwrap_or_default();
            objects.sort();
            for dir in objects {
                let listing = self.listing(&dir, ".field-meta.xml");
                out.extend(fields.iter().filter_map(|f| listing.get(*f).cloned()));
            }
        }
        let component = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".component"));
        if let Some(component) = component {
            let tag = format!("<c:{}", component.to_ascii_lowercase());
            for (folder, suffix) in [("pages", ".page"), ("components", ".component")] {
                let mut users: Vec<PathBuf> = self.listing(&package.join(folder), suffix).values().cloned().collect();
                users.sort();
                for u in users {
                    if u != file && self.text(&u).is_some_and(|t| t.to_ascii_lowercase().contains(&tag)) {
                        out.push(u);
                    }
                }
            }
        }
        out
    }

    /// The markup of the package's other Aura bundles that uses the bundle in `dir`
    /// (`<c:Banner ...>`): what they set its attributes to decides whether the bundle alone
    /// writes what `<aura:unescapedHtml>` shows (see `xss-escape-false`).
    fn aura_users(&mut self, dir: &Path, package: &Path) -> Vec<PathBuf> {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            return Vec::new();
        };
        let tag = format!("c:{}", name.to_ascii_lowercase());
        let mut users = Vec::new();
        for e in WalkDir::new(package.join("aura"))
            .min_depth(2)
            .max_depth(2)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if p.parent() != Some(dir)
                && p.extension().is_some_and(|x| x == "cmp" || x == "app")
                && self
                    .text(p)
                    .is_some_and(|t| !crate::syntax::vf::start_tags(&t, &tag).is_empty())
            {
                users.push(p.to_path_buf());
            }
        }
        users
    }

    /// For the given Apex classes: the source files of their package folders that name one
    /// of them (classes, triggers, Aura and LWC bundles, pages and components), with what
    /// those reference. A flow that starts in a class may end in any of them: a commit that
    /// adds a session source must show the callout an unchanged caller makes with it. Each
    /// package folder is read once, for all the names at once.
    fn callers(&mut self, given: &[PathBuf], sources: &Sources) -> Vec<PathBuf> {
        let mut by_package: BTreeMap<&Path, Vec<&str>> = BTreeMap::new();
        let hinted = match sources {
            Sources::None => return Vec::new(),
            Sources::Hinted(words) => crate::syntax::apex::words_matcher(words),
            Sources::Anywhere => None,
        };
        for file in given {
            let stem = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".cls"));
            // No source in it, no flow starts in it.
            if let (Some(_), Some(hints)) = (stem, &hinted)
                && !self.text(file).is_some_and(|t| hints.is_match(t.as_str()))
            {
                continue;
            }
            if let (Some(stem), Some(package)) = (stem, file.parent().and_then(Path::parent)) {
                by_package.entry(package).or_default().push(stem);
            }
        }
        let is_word = crate::syntax::apex::is_word_byte;
        let mut found = Vec::new();
        for (package, names) in by_package {
            let Some(finder) = crate::syntax::apex::words_matcher(&names) else {
                continue;
            };
            for folder in ["classes", "triggers", "aura", "lwc", "pages", "components"] {
                for e in WalkDir::new(package.join(folder))
                    .max_depth(2)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file() && !given.iter().any(|g| g == e.path()))
                {
                    let name = e.file_name().to_string_lossy();
                    let source = [
                        ".cls",
                        ".trigger",
                        ".js",
                        ".page",
                        ".component",
                        ".cmp",
                        ".app",
                        ".html",
                    ]
                    .iter()
                    .any(|x| name.ends_with(x));
                    if !source {
                        continue;
                    }
                    let Some(text) = self.text(e.path()) else {
                        continue;
                    };
                    let b = text.as_bytes();
                    let names_one = finder.find_overlapping_iter(b).any(|m| {
                        let before = m.start() > 0 && is_word(b[m.start() - 1]);
                        let after = b.get(m.end()).is_some_and(|&c| is_word(c));
                        !(before || after)
                    });
                    if names_one {
                        found.push(e.path().to_path_buf());
                    }
                }
            }
        }
        let mut out = found.clone();
        for caller in found {
            let (named, others) = self.referenced(&caller);
            out.extend(named);
            out.extend(others);
        }
        out
    }

    /// The classes `file` names, directly or through them (two more levels), and its other
    /// context: the files of its bundle, the pages it renders, the readers of a setting field.
    fn referenced(&mut self, file: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".field-meta.xml") {
            return (Vec::new(), self.readers_of_setting_field(file));
        }
        if name.ends_with(".page") || name.ends_with(".component") {
            return (Vec::new(), self.unescaped_output_context(file));
        }
        let Some(dir) = file.parent() else {
            return (Vec::new(), Vec::new());
        };
        let in_bundle = |kind: &str| dir.parent().and_then(|p| p.file_name()).is_some_and(|n| n == kind);
        let bundle = in_bundle("aura") || in_bundle("lwc");
        let package = if name.ends_with(".cls") || name.ends_with(".trigger") {
            dir.parent()
        } else if bundle {
            dir.parent().and_then(Path::parent)
        } else {
            None
        };
        let Some(package) = package else {
            return (Vec::new(), Vec::new());
        };
        let (mut out, mut others): (Vec<PathBuf>, Vec<PathBuf>) = (Vec::new(), Vec::new());
        let mut seen: foldhash::HashSet<PathBuf> = std::iter::once(file.to_path_buf()).collect();
        let mut frontier = vec![file.to_path_buf()];
        // A bundle's other files (markup names the controller, helpers hold the calls).
        if bundle && let Ok(rd) = std::fs::read_dir(dir) {
            let mut siblings: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            siblings.sort();
            frontier.extend(siblings.iter().cloned());
            seen.extend(siblings.iter().cloned());
            let unescaped = in_bundle("aura")
                && siblings.iter().chain(std::iter::once(&file.to_path_buf())).any(|s| {
                    s.extension().is_some_and(|x| x == "cmp" || x == "app")
                        && self
                            .text(s)
                            .is_some_and(|t| t.to_ascii_lowercase().contains("aura:unescapedhtml"))
                });
            others.extend(siblings);
            if unescaped {
                others.extend(
                    self.aura_users(dir, package)
                        .into_iter()
                        .filter(|u| seen.insert(u.clone())),
                );
            }
        }
        for _depth in 0..3 {
            let mut next = Vec::new();
            for f in &frontier {
                let named = self.named_in(f, package);
                for page in &named.pages {
                    if seen.insert(page.clone()) {
                        others.push(page.clone());
                    }
                }
                for h in &named.classes {
                    if seen.insert(h.clone()) {
                        out.push(h.clone());
                        next.push(h.clone());
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        (out, others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let classes = dir.path().join("force-app/main/default/classes");
        std::fs::create_dir_all(&classes).expect("mkdir");
        let write = |name: &str, text: &str| std::fs::write(classes.join(name), text).expect("write");
        // Named in another case than declared: Apex names are not case sensitive.
        write("Given.cls", "public class Given { void run() { HELPER.call(); } }");
        write(
            "Helper.cls",
            "public class Helper { public static void call() { Deeper.go(); } }",
        );
        write("Deeper.cls", "public class Deeper { public static void go() {} }");
        write("Unrelated.cls", "public class Unrelated {}");
        dir
    }

    fn context_of(root: &Path, sources: &Sources) -> BTreeMap<String, Candidate> {
        let given = [root.join("force-app/main/default/classes/Given.cls")];
        let (mut files, mut problems) = (BTreeMap::new(), Vec::new());
        add_context(
            root,
            &given,
            sources,
            &Confine::new(root),
            &|_, _, _| false,
            &mut files,
            &mut problems,
        );
        assert!(problems.is_empty());
        files
    }

    /// The context files (relative paths) of `given`, in a project of `files` under
    /// `force-app/main/default`.
    fn context_in(files: &[(&str, &str)], given: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path().join("force-app/main/default");
        for (rel, text) in files {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let (mut out, mut problems) = (BTreeMap::new(), Vec::new());
        add_context(
            dir.path(),
            &[base.join(given)],
            &Sources::None,
            &Confine::new(dir.path()),
            &|_, _, _| false,
            &mut out,
            &mut problems,
        );
        assert!(problems.is_empty());
        out.into_keys().collect()
    }

    #[test]
    fn unescaped_markup_brings_its_controllers_fields_and_users() {
        let files = [
            (
                "components/Tip.component",
                "<apex:component controller=\"TipCtl\"><apex:attribute name=\"t\" type=\"String\" description=\"d\"/>\
                 <apex:outputText escape=\"false\" value=\"{!t} {!rec.Note__c}\"/></apex:component>",
            ),
            ("classes/TipCtl.cls", "public class TipCtl {}"),
            ("classes/Other.cls", "public class Other {}"),
            ("objects/Case/fields/Note__c.field-meta.xml", "<CustomField/>"),
            ("objects/Case/fields/Other__c.field-meta.xml", "<CustomField/>"),
            ("pages/Uses.page", "<apex:page><c:tip t=\"x\"/></apex:page>"),
            ("pages/Unrelated.page", "<apex:page/>"),
        ];
        assert_eq!(
            context_in(&files, "components/Tip.component"),
            [
                "force-app/main/default/classes/TipCtl.cls",
                "force-app/main/default/objects/Case/fields/Note__c.field-meta.xml",
                "force-app/main/default/pages/Uses.page",
            ]
        );
    }

    #[test]
    fn any_page_brings_its_controllers_only_unescaped_markup_brings_fields() {
        // A property written into a script: whether it holds a request parameter is the
        // controller's to say.
        let files = [
            (
                "pages/Claim.page",
                "<apex:page controller=\"ClaimCtl\" extensions=\"ClaimExt\"><script>var c = '{!claim}';</script>\
                 <p>{!rec.Note__c}</p></apex:page>",
            ),
            ("classes/ClaimCtl.cls", "public class ClaimCtl {}"),
            ("classes/ClaimExt.cls", "public class ClaimExt {}"),
            ("classes/Other.cls", "public class Other {}"),
            ("objects/Case/fields/Note__c.field-meta.xml", "<CustomField/>"),
        ];
        assert_eq!(
            context_in(&files, "pages/Claim.page"),
            [
                "force-app/main/default/classes/ClaimCtl.cls",
                "force-app/main/default/classes/ClaimExt.cls",
            ]
        );
    }

    #[test]
    fn unescaped_aura_markup_brings_its_bundle_and_the_markup_that_uses_it() {
        let files = [
            (
                "aura/Banner/Banner.cmp",
                "<aura:component><aura:unescapedHtml value=\"{!v.content.body}\"/></aura:component>",
            ),
            (
                "aura/Banner/BannerHelper.js",
                "({ content: function () { return { body: '<b>x</b>' }; } })",
            ),
            ("aura/Banner/Banner.design", "<design:component/>"),
            (
                "aura/Home/Home.cmp",
                "<aura:component><c:Banner content=\"{!v.news}\"/></aura:component>",
            ),
            (
                "aura/Other/Other.cmp",
                "<aura:component><c:BannerWide/></aura:component>",
            ),
        ];
        assert_eq!(
            context_in(&files, "aura/Banner/Banner.cmp"),
            [
                "force-app/main/default/aura/Banner/Banner.cmp",
                "force-app/main/default/aura/Banner/Banner.design",
                "force-app/main/default/aura/Banner/BannerHelper.js",
                "force-app/main/default/aura/Home/Home.cmp",
            ]
        );
        // Escaped markup needs only its bundle.
        let mut escaped = files;
        escaped[0].1 = "<aura:component>{!v.content.body}</aura:component>";
        assert_eq!(context_in(&escaped, "aura/Banner/Banner.cmp").len(), 3);
    }

    #[test]
    fn named_classes_are_found_in_any_case_and_read_once() {
        let dir = project();
        let files = context_of(dir.path(), &Sources::Anywhere);
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "force-app/main/default/classes/Deeper.cls",
                "force-app/main/default/classes/Helper.cls"
            ]
        );
        // Read to find what they name: the scan gets the bytes, not a second read.
        for c in files.values() {
            assert!(c.context);
            let on_disk = std::fs::read(&c.abs).expect("read");
            assert_eq!(c.preread.as_deref(), Some(on_disk.as_slice()), "{}", c.rel);
        }
    }

    #[test]
    fn a_class_that_calls_crypto_brings_the_settings_it_reads() {
        const OBJECT: &str = "objects/Vault__c/Vault__c.object-meta.xml";
        let class = "public class Seal {\n  // éVault__c.getOrgDefaults()\n  Blob k = EncodingUtil.base64Decode(Vault__c.getOrgDefaults().Key__c);\n  Blob s(Blob d) { return Crypto.encryptWithManagedIV('AES256', k, d); }\n}\n";
        let files = [("classes/Seal.cls", class), (OBJECT, "<CustomObject/>")];
        let got = context_in(&files, "classes/Seal.cls");
        assert!(got.iter().any(|p| p.ends_with(OBJECT)), "{got:?}");
        // Without a `Crypto` call, the setting is not needed.
        let plain = class.replace("Crypto.", "Cipher.");
        let files = [("classes/Seal.cls", plain.as_str()), (OBJECT, "<CustomObject/>")];
        let got = context_in(&files, "classes/Seal.cls");
        assert!(!got.iter().any(|p| p.ends_with(OBJECT)), "{got:?}");
    }

    #[test]
    fn named_classes_are_read_only_where_a_flow_can_start() {
        let dir = project();
        let hinted = |words: &[&'static str]| Sources::Hinted(words.to_vec());
        assert!(context_of(dir.path(), &hinted(&["getsessionid"])).is_empty());
        assert!(context_of(dir.path(), &Sources::None).is_empty());
        // A source two classes away: the whole chain is context.
        let deeper = dir.path().join("force-app/main/default/classes/Deeper.cls");
        std::fs::write(
            &deeper,
            "public class Deeper { public static String go() { return UserInfo.getSessionId(); } }",
        )
        .expect("write");
        assert_eq!(context_of(dir.path(), &hinted(&["getsessionid"])).len(), 2);
    }
}
