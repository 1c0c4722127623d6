//! The declarations of every Apex class and trigger in the project: classes (inner ones
//! included), fields and properties, methods and constructors. Each file's part ([`Decls`]) is
//! read in the per-file pass, while its tree is fresh in the cache, and the parts are joined
//! once per scan; the interpreter resolves names against the whole.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::syntax::flat::Node;

use crate::diagnostics::finding::FileId;
use crate::syntax::flat::FlatTree;
use crate::workspace::project::{Parsed, Project};

pub(crate) type ClassId = usize;
pub(crate) type FieldId = usize;
pub(crate) type MethodId = usize;

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Class {
    pub file: FileId,
    /// Lower-cased, qualified by outer classes: `metadataservice.metadataport`.
    pub key: String,
    pub name: String,
    pub outer: Option<ClassId>,
    /// Lower-cased annotation names (`restresource`, `istest`).
    pub annotations: Vec<String>,
    /// The lower-cased names in its `extends` and `implements` lists, segments and type
    /// arguments apart (`auth`, `authproviderpluginclass`, `database`, `batchable`, `sobject`);
    /// for a trigger, the sObject it fires on (`order_event__e`).
    pub supertypes: Vec<String>,
    pub fields: HashMap<String, FieldId>,
    /// Sorted by name, then id, once the model is joined: [`Model::methods_named`] finds a
    /// name by binary search (a scan of 4,000 methods per call made a call chain quadratic).
    pub methods: Vec<MethodId>,
}

/// A node of its file's kept tree, by index (see [`Model::node`]): declarations are read
/// before the tree is stored in the project, so they cannot borrow it.
pub(crate) type NodeRef = u32;

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Field {
    pub class: ClassId,
    /// Lower-cased.
    pub name: String,
    /// As written, for messages.
    pub display: String,
    /// Lower-cased last segment of the declared type (`httprequest`).
    pub ty: Option<String>,
    pub init: Option<NodeRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MethodKind {
    Method,
    Constructor,
    /// A property's `get` accessor; its return value is the property's value.
    Getter(FieldId),
    /// A field initializer, a static block or a trigger body.
    Init,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Param {
    /// Lower-cased.
    pub name: Box<str>,
    pub ty: Option<Box<str>>,
    /// Where the name is written.
    pub span: std::ops::Range<u32>,
}

impl Param {
    /// The name as written in `src`, its file's text.
    pub(crate) fn display<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.span.start as usize..self.span.end as usize).unwrap_or("?")
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Method {
    pub class: ClassId,
    pub file: FileId,
    pub kind: MethodKind,
    /// Lower-cased; a constructor has its class's name, an initializer `<init>`.
    pub name: Box<str>,
    /// Where the name is written (see [`Method::display`]); empty for an initializer. A span,
    /// not a copy: a large project has tens of thousands of methods.
    pub name_span: std::ops::Range<u32>,
    pub params: Box<[Param]>,
    /// The body (block) or, for an initializer, the expression (see [`Model::body`]).
    pub body: Option<NodeRef>,
    pub annotations: Box<[Box<str>]>,
    pub is_static: bool,
    pub webservice: bool,
    /// Declared `global`: callable from outside the package's namespace.
    pub is_global: bool,
    /// Declared `public`, `protected` or `global`: callable from other classes (Apex's default
    /// is private).
    pub is_visible: bool,
    pub is_test: bool,
}

impl Method {
    /// The name as written in `src`, its file's text, for messages: `<init>` for an initializer,
    /// `trigger` for a trigger without a name.
    pub(crate) fn display<'s>(&self, src: &'s str) -> &'s str {
        if self.name_span.is_empty() {
            return match &*self.name {
                "<init>" => "<init>",
                "<trigger>" => "trigger",
                _ => "",
            };
        }
        src.get(self.name_span.start as usize..self.name_span.end as usize)
            .unwrap_or("?")
    }
}

/// One Apex file's declarations, their ids counted from 0 in the file: [`Model::join`] moves
/// them to the project's.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Decls {
    classes: Vec<Class>,
    fields: Vec<Field>,
    /// Boxed, so that joining moves pointers: moving the methods themselves held them twice
    /// at the peak (bench/NOTES.md#boxed-methods).
    #[allow(clippy::vec_box)]
    methods: Vec<Box<Method>>,
}

#[derive(Default)]
pub(crate) struct Model<'t> {
    pub classes: Vec<Class>,
    pub fields: Vec<Field>,
    /// Boxed, so that [`Model::join`] moves pointers, not methods (see [`Decls`]).
    #[allow(clippy::vec_box)]
    pub methods: Vec<Box<Method>>,
    /// Lower-cased simple and qualified names to classes.
    by_name: HashMap<String, Vec<ClassId>>,
    /// Per file: its kept Apex tree, which [`NodeRef`]s index.
    trees: Vec<Option<&'t FlatTree>>,
    /// Per method: its body parsed again at its first analysis and kept for the others (see
    /// [`Model::kept_body`]).
    bodies: Vec<OnceLock<Option<FlatTree>>>,
}

impl Decls {
    /// The declarations in `tree`, the tree the project keeps for `file` (text `src`).
    pub(crate) fn of(file: FileId, src: &str, tree: &FlatTree) -> Self {
        let mut d = Decls::default();
        let root = tree.root_node();
        let mut c = root.walk();
        for top in root.named_children(&mut c) {
            d.declaration(file, src, top, None);
        }
        d.shrink();
        d
    }

    /// `tree`, the tree these declarations were read from, reduced to what they point to
    /// (bodies and initializers, see [`FlatTree::outline`]); their node references now point
    /// into the reduced tree.
    pub(crate) fn outline(&mut self, tree: &FlatTree) -> FlatTree {
        let mut refs: Vec<NodeRef> = self
            .methods
            .iter()
            .filter_map(|m| m.body)
            .chain(self.fields.iter().filter_map(|f| f.init))
            .collect();
        refs.sort_unstable();
        refs.dedup();
        let (outline, moved) = tree.outline(&refs);
        let new = |r: &mut NodeRef| {
            // Every reference is in `refs`.
            if let Ok(i) = refs.binary_search(r) {
                *r = moved[i];
            }
        };
        self.methods.iter_mut().filter_map(|m| m.body.as_mut()).for_each(new);
        self.fields.iter_mut().filter_map(|f| f.init.as_mut()).for_each(new);
        outline
    }

    /// These declarations, read from a file of another id (an entry of the per-file cache,
    /// [`crate::engine::memo`]), moved to `file`; `None` if an id in them points nowhere
    /// (`nodes`: how many nodes the file's kept tree has), so that no lookup can fail later.
    pub(crate) fn moved_to(mut self, file: FileId, nodes: usize) -> Option<Self> {
        let (classes, fields, methods) = (self.classes.len(), self.fields.len(), self.methods.len());
        let node_ok = |n: Option<NodeRef>| n.is_none_or(|n| (n as usize) < nodes);
        for c in &mut self.classes {
            c.file = file;
            let ok = c.outer.is_none_or(|o| o < classes)
                && c.methods.iter().all(|&m| m < methods)
                && c.fields.values().all(|&f| f < fields);
            if !ok {
                return None;
            }
        }
        if !self.fields.iter().all(|f| f.class < classes && node_ok(f.init)) {
            return None;
        }
        for m in &mut self.methods {
            m.file = file;
            let getter_ok = match m.kind {
                MethodKind::Getter(f) => f < fields,
                _ => true,
            };
            if m.class >= classes || !getter_ok || !node_ok(m.body) {
                return None;
            }
        }
        Some(self)
    }

    /// Gives back the room vectors keep to grow: the parts live until the join, and a vector's
    /// first push makes room for four (bench/NOTES.md#decls-spare-room).
    fn shrink(&mut self) {
        use crate::syntax::fit;
        self.classes = fit::vec(std::mem::take(&mut self.classes));
        self.fields = fit::vec(std::mem::take(&mut self.fields));
        self.methods = fit::vec(std::mem::take(&mut self.methods));
        for c in &mut self.classes {
            c.methods = fit::vec(std::mem::take(&mut c.methods));
            c.fields.shrink_to_fit();
            c.annotations = fit::vec(std::mem::take(&mut c.annotations));
        }
    }

    fn declaration(&mut self, file: FileId, src: &str, node: Node<'_>, outer: Option<ClassId>) {
        match node.kind() {
            "class_declaration" | "interface_declaration" | "enum_declaration" => self.class(file, src, node, outer),
            "trigger_declaration" => {
                let name_node = node.field("name");
                let name = name_node.map_or("trigger", |n: Node<'_>| text(n, src));
                let id = self.push_class(file, name, None, Vec::new());
                // A trigger's "supertype" is the sObject it fires on: what its `Trigger.new` holds.
                if let Some(object) = node.field("object") {
                    self.classes[id].supertypes.push(text(object, src).to_ascii_lowercase());
                }
                let body = node.field("body");
                self.push_method(Method {
                    class: id,
                    file,
                    kind: MethodKind::Init,
                    name: "<trigger>".into(),
                    name_span: name_node.map_or(0..0, span),
                    params: Box::default(),
                    body: body.map(|n| n.index()),
                    annotations: Box::default(),
                    is_static: true,
                    webservice: false,
                    is_global: false,
                    is_visible: false,
                    is_test: false,
                });
            }
            _ => {}
        }
    }

    fn push_class(&mut self, file: FileId, name: &str, outer: Option<ClassId>, annotations: Vec<String>) -> ClassId {
        let id = self.classes.len();
        let key = match outer {
            Some(o) => format!("{}.{}", self.classes[o].key, name.to_ascii_lowercase()),
            None => name.to_ascii_lowercase(),
        };
        self.classes.push(Class {
            file,
            key,
            name: name.to_string(),
            outer,
            annotations,
            supertypes: Vec::new(),
            fields: HashMap::new(),
            methods: Vec::new(),
        });
        id
    }

    fn push_method(&mut self, m: Method) -> MethodId {
        let id = self.methods.len();
        self.classes[m.class].methods.push(id);
        self.methods.push(Box::new(m));
        id
    }

    fn class(&mut self, file: FileId, src: &str, node: Node<'_>, outer: Option<ClassId>) {
        let Some(name) = node.field("name") else {
            return;
        };
        let mods = modifiers(node, src);
        let is_test = mods.annotations.iter().any(|a| a == "istest")
            || outer.is_some_and(|o| self.classes[o].annotations.iter().any(|a| a == "istest"));
        let mut annotations = mods.annotations;
        if is_test && !annotations.iter().any(|a| a == "istest") {
            annotations.push("istest".into());
        }
        let id = self.push_class(file, text(name, src), outer, annotations);
        for list in ["superclass", "interfaces"].into_iter().filter_map(|f| node.field(f)) {
            self.classes[id].supertypes.extend(
                text(list, src)
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| {
                        !w.is_empty() && !w.eq_ignore_ascii_case("implements") && !w.eq_ignore_ascii_case("extends")
                    })
                    .map(str::to_ascii_lowercase),
            );
        }
        let Some(body) = node.field("body") else {
            return;
        };
        let mut c = body.walk();
        for member in body.named_children(&mut c) {
            match member.kind() {
                "class_declaration" | "interface_declaration" | "enum_declaration" => {
                    self.class(file, src, member, Some(id));
                }
                "field_declaration" => self.field(file, src, member, id, is_test),
                "method_declaration" | "constructor_declaration" => {
                    let mm = modifiers(member, src);
                    let ctor = member.kind() == "constructor_declaration";
                    let name_node = member.field("name");
                    let name = name_node.map_or("", |n| text(n, src));
                    let is_test_method = is_test || mm.annotations.iter().any(|a| a == "istest") || mm.test_method;
                    self.push_method(Method {
                        class: id,
                        file,
                        kind: if ctor {
                            MethodKind::Constructor
                        } else {
                            MethodKind::Method
                        },
                        name: name.to_ascii_lowercase().into(),
                        name_span: name_node.map_or(0..0, span),
                        params: params(member, src),
                        body: member.field("body").map(|n| n.index()),
                        annotations: crate::syntax::fit::boxed(
                            mm.annotations.into_iter().map(String::into_boxed_str).collect(),
                        ),
                        is_static: mm.is_static,
                        webservice: mm.webservice,
                        is_global: mm.is_global,
                        is_visible: mm.is_visible,
                        is_test: is_test_method,
                    });
                }
                "static_initializer" | "block" => {
                    let body = if member.kind() == "block" {
                        Some(member)
                    } else {
                        member.named_child(0)
                    };
                    self.push_method(init_method(id, file, body, is_test));
                }
                _ => {}
            }
        }
    }

    fn field(&mut self, file: FileId, src: &str, node: Node<'_>, class: ClassId, is_test: bool) {
        let ty = node.field("type").map(|t| type_key(t, src));
        let mut accessors = None;
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            if child.kind() == "accessor_list" {
                accessors = Some(child);
            }
        }
        let mut c = node.walk();
        for decl in node.children_by_field_name("declarator", &mut c) {
            let Some(name_node) = decl.field("name") else {
                continue;
            };
            let name = text(name_node, src).to_ascii_lowercase();
            let init = decl.field("value");
            let id = self.fields.len();
            self.fields.push(Field {
                class,
                name: name.clone(),
                display: text(name_node, src).to_string(),
                ty: ty.clone(),
                init: init.map(|n| n.index()),
            });
            self.classes[class].fields.insert(name.clone(), id);
            if let Some(init) = init {
                self.push_method(init_method(class, file, Some(init), is_test));
            }
            if let Some(list) = accessors {
                let mut ac = list.walk();
                for acc in list.named_children(&mut ac) {
                    let is_get = acc.field("accessor").is_some_and(|k| k.kind() == "get");
                    if let (true, Some(body)) = (is_get, acc.field("body")) {
                        self.push_method(Method {
                            class,
                            file,
                            kind: MethodKind::Getter(id),
                            name: format!("get {name}").into(),
                            name_span: span(name_node),
                            params: Box::default(),
                            body: Some(body.index()),
                            annotations: Box::default(),
                            is_static: false,
                            webservice: false,
                            is_global: false,
                            is_visible: true,
                            is_test,
                        });
                    }
                }
            }
        }
    }
}

impl<'t> Model<'t> {
    /// Reads every Apex file's declarations, then joins them (tests and benches; a scan collects
    /// declarations while it parses).
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn build(project: &'t Project) -> Self {
        let decls = project
            .files
            .iter()
            .enumerate()
            .filter_map(|(file, src)| match &src.parsed {
                Parsed::Apex(tree) => Some(Decls::of(file, &src.text, tree)),
                _ => None,
            })
            .collect();
        Self::join(project, decls)
    }

    /// The model of `decls`, each read from the tree the project keeps for its file
    /// ([`Decls::of`]), in file order: ids follow it, so that they do not depend on threads.
    pub(crate) fn join(project: &'t Project, decls: Vec<Decls>) -> Self {
        let mut m = Model {
            trees: project
                .files
                .iter()
                .map(|f| match &f.parsed {
                    Parsed::Apex(tree) => Some(tree),
                    _ => None,
                })
                .collect(),
            ..Model::default()
        };
        // Sized once: growing by doubling copied the methods twice over (milliseconds at 5k
        // classes, most of the join).
        let count = |f: fn(&Decls) -> usize| decls.iter().map(f).sum::<usize>();
        m.classes.reserve_exact(count(|d| d.classes.len()));
        m.fields.reserve_exact(count(|d| d.fields.len()));
        m.methods.reserve_exact(count(|d| d.methods.len()));
        m.by_name.reserve(m.classes.capacity());
        for d in decls {
            m.absorb(d);
        }
        let Model { classes, methods, .. } = &mut m;
        for c in classes.iter_mut() {
            c.methods
                .sort_unstable_by(|&a, &b| methods[a].name.cmp(&methods[b].name).then(a.cmp(&b)));
        }
        m.bodies = std::iter::repeat_with(OnceLock::new).take(m.methods.len()).collect();
        m
    }

    fn absorb(&mut self, d: Decls) {
        let (classes, fields, methods) = (self.classes.len(), self.fields.len(), self.methods.len());
        for mut c in d.classes {
            let id = self.classes.len();
            c.outer = c.outer.map(|o| o + classes);
            c.methods.iter_mut().for_each(|m| *m += methods);
            c.fields.values_mut().for_each(|f| *f += fields);
            self.by_name.entry(c.name.to_ascii_lowercase()).or_default().push(id);
            if c.outer.is_some() {
                self.by_name.entry(c.key.clone()).or_default().push(id);
            }
            self.classes.push(c);
        }
        self.fields.extend(d.fields.into_iter().map(|mut f| {
            f.class += classes;
            f
        }));
        self.methods.extend(d.methods.into_iter().map(|mut m| {
            m.class += classes;
            if let MethodKind::Getter(f) = &mut m.kind {
                *f += fields;
            }
            m
        }));
    }

    /// Node `n` of `file`'s kept tree.
    pub(crate) fn node(&self, file: FileId, n: NodeRef) -> Option<Node<'t>> {
        self.trees.get(file).copied().flatten()?.node(n)
    }

    /// The body of method `m` as the project keeps it (maybe elided, see [`Model::kept_body`]).
    pub(crate) fn body(&self, m: MethodId) -> Option<Node<'t>> {
        let method = &self.methods[m];
        self.node(method.file, method.body?)
    }

    /// The body of method `m`, with everything inside it, when the project keeps only its range
    /// (scans keep most Apex files as declarations only, see [`FlatTree::declarations_keeping`]):
    /// parsed again at its first analysis and kept for the later ones, of every spec. A body
    /// the analyses read is analyzed 1.6 times on average on NPSP, once per spec that reaches
    /// it; kept, the analyzed bodies cost a few megabytes (bench/NOTES.md#shared-bodies).
    /// `None` when the project has the whole body.
    pub(crate) fn kept_body(&self, project: &Project, m: MethodId) -> Option<Node<'_>> {
        self.bodies[m]
            .get_or_init(|| {
                let body = self.body(m).filter(|b| b.is_elided())?;
                FlatTree::body(&project.files[self.methods[m].file].text, body)
            })
            .as_ref()
            .map(FlatTree::root_node)
    }

    /// Classes a (possibly qualified) type name may denote, seen from `from`: inner classes of
    /// `from` and its outer classes first, then top-level classes.
    pub(crate) fn resolve_class(&self, name: &str, from: Option<ClassId>) -> Option<ClassId> {
        if !name.contains('.') {
            return self.resolve_simple(name, from);
        }
        let lc = name.to_ascii_lowercase();
        let mut scope = from;
        while let Some(c) = scope {
            let qualified = format!("{}.{lc}", self.classes[c].key);
            if let Some(ids) = self.by_name.get(&qualified) {
                return ids.first().copied();
            }
            scope = self.classes[c].outer;
        }
        let ids = self.by_name.get(&lc)?;
        // A simple name shared by several inner classes is ambiguous: prefer a top-level class.
        ids.iter()
            .copied()
            .find(|&i| self.classes[i].outer.is_none())
            .or_else(|| (ids.len() == 1).then(|| ids[0]))
    }

    /// [`Model::resolve_class`] for a name without a dot, the interpreter's every call and
    /// type: without building a qualified name per scope (two thirds of the lookups' cost went
    /// to building and hashing them). An inner class is listed under its simple name too, so
    /// the classes named `scope.name` are those named `name` whose outer class has `scope`'s key.
    fn resolve_simple(&self, name: &str, from: Option<ClassId>) -> Option<ClassId> {
        let mut buf = [0u8; 64];
        let owned;
        let lc = match buf.get_mut(..name.len()) {
            Some(b) => {
                b.copy_from_slice(name.as_bytes());
                b.make_ascii_lowercase();
                std::str::from_utf8(b).ok()?
            }
            None => {
                owned = name.to_ascii_lowercase();
                owned.as_str()
            }
        };
        let ids = self.by_name.get(lc)?;
        let mut scope = from;
        while let Some(c) = scope {
            let key = &self.classes[c].key;
            let inner = ids
                .iter()
                .copied()
                .find(|&i| self.classes[i].outer.is_some_and(|o| self.classes[o].key == *key));
            if inner.is_some() {
                return inner;
            }
            scope = self.classes[c].outer;
        }
        // A simple name shared by several inner classes is ambiguous: prefer a top-level class.
        ids.iter()
            .copied()
            .find(|&i| self.classes[i].outer.is_none())
            .or_else(|| (ids.len() == 1).then(|| ids[0]))
    }

    /// Whether a class of the model is a trigger (its one method is the trigger's body).
    pub(crate) fn is_trigger(&self, class: ClassId) -> bool {
        self.classes[class]
            .methods
            .iter()
            .any(|&m| self.methods[m].kind == MethodKind::Init && &*self.methods[m].name == "<trigger>")
    }

    /// The top-level classes named `name`, in any case, ascending.
    pub(crate) fn top_level_classes(&self, name: &str) -> impl Iterator<Item = ClassId> + '_ {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| self.classes[c].outer.is_none())
    }

    /// A field visible from `class`: its own, then those of its outer classes.
    pub(crate) fn field_in_scope(&self, class: ClassId, name: &str) -> Option<FieldId> {
        let mut scope = Some(class);
        while let Some(c) = scope {
            if let Some(&f) = self.classes[c].fields.get(name) {
                return Some(f);
            }
            scope = self.classes[c].outer;
        }
        None
    }

    /// Every method, constructor, getter and initializer of `class` named `name` (lower-case),
    /// in id order.
    pub(crate) fn members_named(&self, class: ClassId, name: &str) -> &[MethodId] {
        let ids = &self.classes[class].methods;
        let first = ids.partition_point(|&m| *self.methods[m].name < *name);
        let len = ids[first..].partition_point(|&m| *self.methods[m].name == *name);
        &ids[first..first + len]
    }

    /// Methods of `class` named `name` (lower-case) that accept `arity` arguments.
    pub(crate) fn methods_named<'s>(
        &'s self,
        class: ClassId,
        name: &'s str,
        arity: usize,
    ) -> impl Iterator<Item = MethodId> + 's {
        self.members_named(class, name).iter().copied().filter(move |&m| {
            let mm = &self.methods[m];
            mm.params.len() == arity && matches!(mm.kind, MethodKind::Method | MethodKind::Constructor)
        })
    }

    /// Methods named `name` in `class` or, failing that, its outer classes (unqualified calls).
    pub(crate) fn methods_in_scope(&self, class: ClassId, name: &str, arity: usize) -> Vec<MethodId> {
        let mut scope = Some(class);
        while let Some(c) = scope {
            let found: Vec<MethodId> = self.methods_named(c, name, arity).collect();
            if !found.is_empty() {
                return found;
            }
            scope = self.classes[c].outer;
        }
        Vec::new()
    }
}

fn init_method(class: ClassId, file: FileId, body: Option<Node<'_>>, is_test: bool) -> Method {
    Method {
        class,
        file,
        kind: MethodKind::Init,
        name: "<init>".into(),
        name_span: 0..0,
        params: Box::default(),
        body: body.map(|n| n.index()),
        annotations: Box::default(),
        is_static: true,
        webservice: false,
        is_global: false,
        is_visible: false,
        is_test,
    }
}

struct Modifiers {
    annotations: Vec<String>,
    is_static: bool,
    webservice: bool,
    is_global: bool,
    is_visible: bool,
    test_method: bool,
}

fn modifiers(node: Node<'_>, src: &str) -> Modifiers {
    let mut m = Modifiers {
        annotations: Vec::new(),
        is_static: false,
        webservice: false,
        is_global: false,
        is_visible: false,
        test_method: false,
    };
    let mut c = node.walk();
    let Some(mods) = node.named_children(&mut c).find(|n| n.kind() == "modifiers") else {
        return m;
    };
    let mut c = mods.walk();
    for child in mods.named_children(&mut c) {
        match child.kind() {
            "annotation" => {
                if let Some(n) = child.field("name") {
                    m.annotations.push(text(n, src).to_ascii_lowercase());
                }
            }
            "modifier" => match text(child, src).to_ascii_lowercase().as_str() {
                "static" => m.is_static = true,
                "webservice" => {
                    m.webservice = true;
                    m.is_visible = true;
                }
                "global" => {
                    m.is_global = true;
                    m.is_visible = true;
                }
                "public" | "protected" => m.is_visible = true,
                "testmethod" => m.test_method = true,
                _ => {}
            },
            _ => {}
        }
    }
    m
}

fn params(method: Node<'_>, src: &str) -> Box<[Param]> {
    let Some(list) = method.field("parameters") else {
        return Box::default();
    };
    let mut c = list.walk();
    let params = list
        .named_children(&mut c)
        .filter(|p| p.kind() == "formal_parameter")
        .filter_map(|p| {
            let name = p.field("name")?;
            Some(Param {
                name: text(name, src).to_ascii_lowercase().into(),
                ty: p.field("type").map(|t| Box::from(type_key(t, src).as_str())),
                span: span(name),
            })
        })
        .collect();
    crate::syntax::fit::boxed(params)
}

/// The lower-cased type name without generics; qualified names keep their dots.
pub(crate) fn type_key(ty: Node<'_>, src: &str) -> String {
    let node = if ty.kind() == "generic_type" {
        ty.named_child(0).unwrap_or(ty)
    } else {
        ty
    };
    text(node, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Where `node` is, as [`Method::name_span`] keeps it.
fn span(node: Node<'_>) -> std::ops::Range<u32> {
    node.start_byte() as u32..node.end_byte() as u32
}

pub(crate) fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}
