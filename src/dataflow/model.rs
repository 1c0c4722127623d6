//! The declarations of every Apex class and trigger in the project: classes (inner ones
//! included), fields and properties, methods and constructors. Built once per scan from the
//! parsed trees; the interpreter resolves names against it.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::flat::Node;

use crate::finding::FileId;
use crate::flat::FlatTree;
use crate::project::{Parsed, Project};

pub type ClassId = usize;
pub type FieldId = usize;
pub type MethodId = usize;

pub struct Class {
    pub file: FileId,
    /// Lower-cased, qualified by outer classes: `metadataservice.metadataport`.
    pub key: String,
    pub name: String,
    pub outer: Option<ClassId>,
    /// Lower-cased annotation names (`restresource`, `istest`).
    pub annotations: Vec<String>,
    pub fields: HashMap<String, FieldId>,
    pub methods: Vec<MethodId>,
}

pub struct Field<'t> {
    pub class: ClassId,
    /// Lower-cased.
    pub name: String,
    /// As written, for messages.
    pub display: String,
    /// Lower-cased last segment of the declared type (`httprequest`).
    pub ty: Option<String>,
    pub name_node: Node<'t>,
    pub init: Option<Node<'t>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    Method,
    Constructor,
    /// A property's `get` accessor; its return value is the property's value.
    Getter(FieldId),
    /// A field initializer, a static block or a trigger body.
    Init,
}

pub struct Param<'t> {
    /// Lower-cased.
    pub name: String,
    pub ty: Option<String>,
    pub node: Node<'t>,
}

pub struct Method<'t> {
    pub class: ClassId,
    pub file: FileId,
    pub kind: MethodKind,
    /// Lower-cased; a constructor has its class's name, an initializer `<init>`.
    pub name: String,
    /// As written, for messages.
    pub display: String,
    pub params: Vec<Param<'t>>,
    /// The body (block) or, for an initializer, the expression.
    pub body: Option<Node<'t>>,
    pub annotations: Vec<String>,
    pub is_static: bool,
    pub webservice: bool,
    pub is_test: bool,
    pub returns_void: bool,
}

#[derive(Default)]
pub struct Model<'t> {
    pub classes: Vec<Class>,
    pub fields: Vec<Field<'t>>,
    pub methods: Vec<Method<'t>>,
    /// Lower-cased simple and qualified names to classes.
    by_name: HashMap<String, Vec<ClassId>>,
    /// Per method: its body parsed again and kept, once it is analyzed a second time (see
    /// [`Model::kept_body`]).
    bodies: Vec<OnceLock<Option<FlatTree>>>,
}

impl<'t> Model<'t> {
    pub fn build(project: &'t Project) -> Self {
        let mut m = Model::default();
        for (file, src) in project.files.iter().enumerate() {
            if let Parsed::Apex(tree) = &src.parsed {
                let root = tree.root_node();
                let mut c = root.walk();
                for top in root.named_children(&mut c) {
                    m.declaration(file, &src.text, top, None);
                }
            }
        }
        m.bodies = std::iter::repeat_with(OnceLock::new).take(m.methods.len()).collect();
        m
    }

    /// The body of method `m`, with everything inside it, when the project keeps only its range
    /// (scans keep most Apex files as declarations only, see [`FlatTree::declarations`]):
    /// parsed again, for one analysis: most methods are analyzed once, and keeping every body
    /// a large project's analysis reads would cost more memory than it saves time. `None` when
    /// the project has the whole body.
    pub fn parse_body(&self, project: &Project, m: MethodId) -> Option<FlatTree> {
        let method = &self.methods[m];
        let body = method.body.filter(|b| b.is_elided())?;
        FlatTree::body(&project.files[method.file].text, body)
    }

    /// [`Model::parse_body`], kept for later analyses: for a method analyzed more than once.
    pub fn kept_body(&self, project: &Project, m: MethodId) -> Option<Node<'_>> {
        self.bodies[m]
            .get_or_init(|| self.parse_body(project, m))
            .as_ref()
            .map(FlatTree::root_node)
    }

    fn declaration(&mut self, file: FileId, src: &str, node: Node<'t>, outer: Option<ClassId>) {
        match node.kind() {
            "class_declaration" | "interface_declaration" | "enum_declaration" => self.class(file, src, node, outer),
            "trigger_declaration" => {
                let name = node.field("name").map_or("trigger", |n: Node<'_>| text(n, src));
                let id = self.push_class(file, name, None, Vec::new());
                let body = node.field("body");
                self.push_method(Method {
                    class: id,
                    file,
                    kind: MethodKind::Init,
                    name: "<trigger>".into(),
                    display: name.to_string(),
                    params: Vec::new(),
                    body,
                    annotations: Vec::new(),
                    is_static: true,
                    webservice: false,
                    is_test: false,
                    returns_void: true,
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
        self.by_name.entry(name.to_ascii_lowercase()).or_default().push(id);
        if outer.is_some() {
            self.by_name.entry(key.clone()).or_default().push(id);
        }
        self.classes.push(Class {
            file,
            key,
            name: name.to_string(),
            outer,
            annotations,
            fields: HashMap::new(),
            methods: Vec::new(),
        });
        id
    }

    fn push_method(&mut self, m: Method<'t>) -> MethodId {
        let id = self.methods.len();
        self.classes[m.class].methods.push(id);
        self.methods.push(m);
        id
    }

    fn class(&mut self, file: FileId, src: &str, node: Node<'t>, outer: Option<ClassId>) {
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
                    let display = member
                        .field("name")
                        .map_or_else(String::new, |n| text(n, src).to_string());
                    let returns_void = member.field("type").is_none_or(|t| t.kind() == "void_type");
                    let is_test_method = is_test || mm.annotations.iter().any(|a| a == "istest") || mm.test_method;
                    self.push_method(Method {
                        class: id,
                        file,
                        kind: if ctor {
                            MethodKind::Constructor
                        } else {
                            MethodKind::Method
                        },
                        name: display.to_ascii_lowercase(),
                        display,
                        params: params(member, src),
                        body: member.field("body"),
                        annotations: mm.annotations,
                        is_static: mm.is_static,
                        webservice: mm.webservice,
                        is_test: is_test_method,
                        returns_void,
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

    fn field(&mut self, file: FileId, src: &str, node: Node<'t>, class: ClassId, is_test: bool) {
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
                name_node,
                init,
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
                            name: format!("get {name}"),
                            display: text(name_node, src).to_string(),
                            params: Vec::new(),
                            body: Some(body),
                            annotations: Vec::new(),
                            is_static: false,
                            webservice: false,
                            is_test,
                            returns_void: false,
                        });
                    }
                }
            }
        }
    }

    /// Classes a (possibly qualified) type name may denote, seen from `from`: inner classes of
    /// `from` and its outer classes first, then top-level classes.
    pub fn resolve_class(&self, name: &str, from: Option<ClassId>) -> Option<ClassId> {
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

    /// The top-level classes named `name`, in any case, ascending.
    pub fn top_level_classes(&self, name: &str) -> impl Iterator<Item = ClassId> + '_ {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| self.classes[c].outer.is_none())
    }

    /// A field visible from `class`: its own, then those of its outer classes.
    pub fn field_in_scope(&self, class: ClassId, name: &str) -> Option<FieldId> {
        let mut scope = Some(class);
        while let Some(c) = scope {
            if let Some(&f) = self.classes[c].fields.get(name) {
                return Some(f);
            }
            scope = self.classes[c].outer;
        }
        None
    }

    /// Methods of `class` named `name` (lower-case) that accept `arity` arguments.
    pub fn methods_named<'s>(
        &'s self,
        class: ClassId,
        name: &'s str,
        arity: usize,
    ) -> impl Iterator<Item = MethodId> + 's {
        self.classes[class].methods.iter().copied().filter(move |&m| {
            let mm = &self.methods[m];
            mm.name == name
                && mm.params.len() == arity
                && matches!(mm.kind, MethodKind::Method | MethodKind::Constructor)
        })
    }

    /// Methods named `name` in `class` or, failing that, its outer classes (unqualified calls).
    pub fn methods_in_scope(&self, class: ClassId, name: &str, arity: usize) -> Vec<MethodId> {
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

    pub fn class_is_test(&self, class: ClassId) -> bool {
        self.classes[class].annotations.iter().any(|a| a == "istest")
    }
}

fn init_method<'t>(class: ClassId, file: FileId, body: Option<Node<'t>>, is_test: bool) -> Method<'t> {
    Method {
        class,
        file,
        kind: MethodKind::Init,
        name: "<init>".into(),
        display: "<init>".into(),
        params: Vec::new(),
        body,
        annotations: Vec::new(),
        is_static: true,
        webservice: false,
        is_test,
        returns_void: true,
    }
}

struct Modifiers {
    annotations: Vec<String>,
    is_static: bool,
    webservice: bool,
    test_method: bool,
}

fn modifiers(node: Node<'_>, src: &str) -> Modifiers {
    let mut m = Modifiers {
        annotations: Vec::new(),
        is_static: false,
        webservice: false,
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
                "webservice" => m.webservice = true,
                "testmethod" => m.test_method = true,
                _ => {}
            },
            _ => {}
        }
    }
    m
}

fn params<'t>(method: Node<'t>, src: &str) -> Vec<Param<'t>> {
    let Some(list) = method.field("parameters") else {
        return Vec::new();
    };
    let mut c = list.walk();
    list.named_children(&mut c)
        .filter(|p| p.kind() == "formal_parameter")
        .filter_map(|p| {
            let name = p.field("name")?;
            Some(Param {
                name: text(name, src).to_ascii_lowercase(),
                ty: p.field("type").map(|t| type_key(t, src)),
                node: name,
            })
        })
        .collect()
}

/// The lower-cased type name without generics; qualified names keep their dots.
pub fn type_key(ty: Node<'_>, src: &str) -> String {
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

pub fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}
