//! Whether an Apex value is the code's own text, for the rules that ask what becomes markup
//! (`addError(..., false)`, a Visualforce property shown with `escape="false"`, a message shown
//! by `<apex:pageMessages escape="false">`): literals, labels, Ids, escaped text, constants, and
//! variables, fields and getters of the same file whose every value is such. A small constant
//! propagation within one file, beside the taint engine: that one follows sources to sinks,
//! this one asks whether every value is the code's.

use tree_sitter::Node;

/// Whether `text` holds `word`, ASCII letters in any case.
pub(crate) fn contains_ascii_ci(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// The project's rich text area fields (`<type>Html</type>`) and image formulas, lower-case.
/// The platform filters
/// their HTML when a record is saved (no scripts, no event handlers: Salesforce's product
/// security team points partners to them for exactly this), so showing one raw is what it is
/// for. A name counts only when every definition of it in the project is rich text, as the
/// object behind `{!x.Field__c}` is not known.
#[derive(Default)]
pub(crate) struct RichText(pub(crate) foldhash::HashSet<String>);

impl RichText {
    pub(crate) fn holds(&self, reference: &str) -> bool {
        let last = reference.rsplit('.').next().unwrap_or(reference).trim();
        last.len() > 3
            && last[last.len() - 3..].eq_ignore_ascii_case("__c")
            && self.0.contains(&last.to_ascii_lowercase())
    }
}

/// Methods whose result is their text escaped for HTML.
const ESCAPERS: &[&str] = &[
    "escapehtml4",
    "escapehtml3",
    "escapexml",
    "sfdc_htmlencode",
    "htmlencode",
];
/// Methods whose result is the code's or an administrator's, not a user's: labels.
const LABELS: &[&str] = &["getlabel", "getlabelplural"];

/// What following a variable to its values costs the resolver's depth.
pub(crate) const HOP: u16 = 32;

/// Finds the part of a message that the code did not write.
pub(crate) struct Resolver<'t> {
    pub(crate) text: &'t str,
    /// The method (or class body) the call is in, where its locals are declared.
    pub(crate) scope: Option<Node<'t>>,
    pub(crate) rich: &'t RichText,
}

impl<'t> Resolver<'t> {
    pub(crate) fn new(call: Node<'t>, text: &'t str, rich: &'t RichText) -> Self {
        let mut scope = call.parent();
        while let Some(s) = scope {
            if matches!(
                s.kind(),
                "method_declaration" | "constructor_declaration" | "class_body"
            ) {
                break;
            }
            scope = s.parent();
        }
        Resolver { text, scope, rich }
    }

    /// The first part of `e` that is not a literal, a label, an Id or escaped text; `None`
    /// when the whole value is the code's. `depth` counts a step into an expression as 1 and a
    /// step from a variable to its values as [`HOP`]: six variables deep, or a long
    /// concatenation, is given up on (reported).
    pub(crate) fn dynamic(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        if depth > 6 * HOP {
            return Some(e);
        }
        let field = |name: &str| e.child_by_field_name(name);
        match e.kind() {
            "string_literal" | "int" | "boolean" | "null_literal" | "decimal_floating_point_literal" => None,
            // `-x`, `!x`, `i++`: numbers and Booleans.
            "unary_expression" | "update_expression" => None,
            "parenthesized_expression" | "cast_expression" => {
                let inner = e.named_child(e.named_child_count().saturating_sub(1) as u32)?;
                self.dynamic(inner, depth + 1)
            }
            "binary_expression" => {
                let (l, r) = (field("left")?, field("right")?);
                self.dynamic(l, depth + 1).or_else(|| self.dynamic(r, depth + 1))
            }
            "ternary_expression" => {
                let (c, a) = (field("consequence")?, field("alternative")?);
                self.dynamic(c, depth + 1).or_else(|| self.dynamic(a, depth + 1))
            }
            "field_access" => {
                let object = field("object").map_or("", |o| &self.text[o.byte_range()]);
                let name = field("field").map_or("", |f| &self.text[f.byte_range()]);
                let label = object.eq_ignore_ascii_case("label") || object.eq_ignore_ascii_case("system.label");
                // An Id is 15 or 18 letters and digits; so is a lookup, a `__c` field whose
                // `__r` relationship the same file follows.
                // A rich text field or an image formula carries filtered markup.
                let constant = is_class_constant(object, name);
                (!label
                    && !constant
                    && !name.eq_ignore_ascii_case("id")
                    && !self.lookup(name)
                    && !self.rich.holds(name))
                .then_some(e)
            }
            "method_invocation" => {
                let name = field("name")
                    .map_or("", |n| &self.text[n.byte_range()])
                    .to_ascii_lowercase();
                if ESCAPERS.contains(&name.as_str()) || LABELS.contains(&name.as_str()) {
                    return None;
                }
                let object = field("object");
                let args = |depth: u16| {
                    let mut cursor = e.walk();
                    field("arguments").is_none_or(|a| {
                        a.named_children(&mut cursor)
                            .all(|x| self.dynamic(x, depth + 1).is_none())
                    })
                };
                // A literal's method with the code's arguments (`'.'.repeat(n)`).
                if object.is_some_and(|o| o.kind() == "string_literal") && args(depth) {
                    return None;
                }
                // The class's own method, declared to return a number, a Boolean, an Id or a date.
                if object.is_none_or(|o| o.kind() == "this") && self.returns_markup_free(&name) {
                    return None;
                }
                Some(e)
            }
            "identifier" => self.local(e, depth),
            _ => Some(e),
        }
    }

    /// Where `e`'s value is fixed in the code, for the rules about keys and credentials that
    /// must not be: the literal, or the conversion of literals that builds it
    /// (`Blob.valueOf('...')`, `EncodingUtil.base64Decode('...')`, `'a' + 'b'`), through
    /// locals and fields of the file given only such values. `None` when some part of the
    /// value is not the code's (a parameter, a call, a record's field).
    pub(crate) fn fixed(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        if depth > 6 * HOP {
            return None;
        }
        let field = |name: &str| e.child_by_field_name(name);
        match e.kind() {
            "string_literal" => Some(e),
            "parenthesized_expression" | "cast_expression" => {
                let inner = e.named_child(e.named_child_count().saturating_sub(1) as u32)?;
                self.fixed(inner, depth + 1)
            }
            "binary_expression" => {
                self.fixed(field("left")?, depth + 1)?;
                self.fixed(field("right")?, depth + 1)?;
                Some(e)
            }
            "method_invocation" => {
                let name = field("name").map_or(String::new(), |n| self.text[n.byte_range()].to_ascii_lowercase());
                let object = field("object").map_or("", |o| &self.text[o.byte_range()]);
                let converts = match name.as_str() {
                    "valueof" => object.eq_ignore_ascii_case("blob"),
                    "base64decode" | "convertfromhex" => object.to_ascii_lowercase().ends_with("encodingutil"),
                    _ => false,
                };
                let args = crate::syntax::tree::arguments(e);
                (converts && args.len() == 1 && self.fixed(args[0], depth + 1).is_some()).then_some(e)
            }
            "identifier" => {
                let mut first = None;
                for v in self.values_seen_from(e).ok()? {
                    let at = Resolver::new(v, self.text, self.rich).fixed(v, depth + HOP)?;
                    first.get_or_insert(at);
                }
                first
            }
            "field_access" => {
                let object = field("object")?;
                if !self.text[object.byte_range()].eq_ignore_ascii_case("this") {
                    return None;
                }
                self.fixed(field("field")?, depth + 1)
            }
            _ => None,
        }
    }

    /// Whether every declaration of `name` in `scope` (locals, fields, parameters, its
    /// `getX()` getter) has a type whose text cannot carry markup: a number, a Boolean, an Id,
    /// a date.
    pub(crate) fn markup_free_type(&self, scope: Node<'t>, name: &str) -> bool {
        let types = self.declared_types(scope, name);
        !types.is_empty()
            && types.iter().all(|ty| {
                let ty = self.text[ty.byte_range()].trim();
                MARKUP_FREE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty))
            })
    }

    /// The declared types of `name` in `scope`: of its locals, fields, parameters, and the
    /// return type of its `getX()` getter.
    pub(crate) fn declared_types(&self, scope: Node<'t>, name: &str) -> Vec<Node<'t>> {
        let mut types = Vec::new();
        let mut cursor = scope.walk();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            let declared = match n.kind() {
                "variable_declarator" => n
                    .child_by_field_name("name")
                    .filter(|m| self.text[m.byte_range()].eq_ignore_ascii_case(name))
                    .and_then(|_| n.parent())
                    .and_then(|d| d.child_by_field_name("type")),
                "formal_parameter" => n
                    .child_by_field_name("name")
                    .filter(|m| self.text[m.byte_range()].eq_ignore_ascii_case(name))
                    .and_then(|_| n.child_by_field_name("type")),
                "method_declaration" => n
                    .child_by_field_name("name")
                    .filter(|m| is_getter(&self.text[m.byte_range()], name))
                    .and_then(|_| n.child_by_field_name("type")),
                _ => None,
            };
            types.extend(declared);
            stack.extend(n.named_children(&mut cursor));
        }
        types
    }

    /// The read of a page parameter (`ApexPages.currentPage().getParameters().get('q')`) that
    /// `e`'s value may carry unencoded: through concatenations, conditionals, text methods and
    /// locals or fields of the file given such a value. Values converted to a type that prints
    /// no markup (`Id.valueOf`, a cast to `Integer`) or escaped (`escapeHtml4`,
    /// `escapeEcmaScript`, `EncodingUtil.urlEncode`) carry none.
    pub(crate) fn reads_parameter(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        if depth > 6 * HOP {
            return None;
        }
        let d = depth + 1;
        let field = |name: &str| e.child_by_field_name(name);
        match e.kind() {
            "parenthesized_expression" => {
                self.reads_parameter(e.named_child(e.named_child_count().saturating_sub(1) as u32)?, d)
            }
            "cast_expression" => {
                let ty = field("type").map_or("", |t| self.text[t.byte_range()].trim());
                if MARKUP_FREE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
                    return None;
                }
                self.reads_parameter(field("value")?, d)
            }
            "binary_expression" => {
                let (l, r) = (field("left")?, field("right")?);
                self.reads_parameter(l, d).or_else(|| self.reads_parameter(r, d))
            }
            "ternary_expression" => {
                let (c, a) = (field("consequence")?, field("alternative")?);
                self.reads_parameter(c, d).or_else(|| self.reads_parameter(a, d))
            }
            "method_invocation" => {
                let name = field("name").map_or(String::new(), |n| self.text[n.byte_range()].to_ascii_lowercase());
                let object = field("object");
                let object_text = object.map_or(String::new(), |o| self.text[o.byte_range()].to_ascii_lowercase());
                if ESCAPERS.contains(&name.as_str())
                    || matches!(name.as_str(), "escapeecmascript" | "urlencode" | "escapecsv")
                    || (name == "valueof" && MARKUP_FREE_TYPES.contains(&object_text.as_str()))
                {
                    return None;
                }
                if name == "getparameters" || (name == "get" && object_text.ends_with("getparameters()")) {
                    return Some(e);
                }
                // Text methods keep their receiver's text (`.trim()`, `.left(80)`); helpers
                // such as `String.valueOf(x)` their argument's.
                let from_object = object.and_then(|o| self.reads_parameter(o, d));
                from_object.or_else(|| {
                    let args = field("arguments")?;
                    (0..args.named_child_count()).find_map(|i| self.reads_parameter(args.named_child(i as u32)?, d))
                })
            }
            "identifier" => {
                let name = &self.text[e.byte_range()];
                let mut scope = Some(e);
                // The innermost method, then the class: where `name` is declared.
                while let Some(s) = scope {
                    if matches!(
                        s.kind(),
                        "method_declaration" | "constructor_declaration" | "class_body"
                    ) {
                        if self.markup_free_type(s, name)
                            || (s.kind() == "class_body" && self.markup_free_field(s, name))
                        {
                            return None;
                        }
                        match self.values_in(s, name) {
                            Ok(values) if !values.is_empty() => return self.any_reads_parameter(name, values, depth),
                            Ok(_) => {}
                            Err(()) => return None,
                        }
                    }
                    scope = s.parent();
                }
                None
            }
            "field_access" => {
                let object = field("object")?;
                if !self.text[object.byte_range()].eq_ignore_ascii_case("this") {
                    return None;
                }
                self.reads_parameter(field("field")?, d)
            }
            _ => None,
        }
    }

    /// [`Resolver::reads_parameter`] for a variable, field or property `name` of `scope`
    /// (a class's body for a page's `{!name}`).
    pub(crate) fn variable_reads_parameter(&self, scope: Node<'t>, name: &str) -> Option<Node<'t>> {
        if self.markup_free_type(scope, name) || self.markup_free_field(scope, name) {
            return None;
        }
        let values = self.values_in(scope, name).ok()?;
        self.any_reads_parameter(name, values, 0)
    }

    /// Whether a field (or property) of the classes in `scope` named `name` is declared with
    /// a type that prints no markup: assigning a parameter to an `Id` field checks its shape.
    /// Locals of the same name in methods do not count.
    fn markup_free_field(&self, scope: Node<'t>, name: &str) -> bool {
        let mut cursor = scope.walk();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            if n.kind() == "field_declaration" {
                let mut c = n.walk();
                let named = n.named_children(&mut c).any(|d| {
                    d.kind() == "variable_declarator"
                        && d.child_by_field_name("name")
                            .is_some_and(|m| self.text[m.byte_range()].eq_ignore_ascii_case(name))
                });
                if named {
                    let ty = n
                        .child_by_field_name("type")
                        .map_or("", |t| self.text[t.byte_range()].trim());
                    return MARKUP_FREE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty));
                }
                continue;
            }
            if matches!(n.kind(), "method_declaration" | "constructor_declaration") {
                continue;
            }
            stack.extend(n.named_children(&mut cursor));
        }
        false
    }

    fn any_reads_parameter(&self, name: &str, values: Vec<Node<'t>>, depth: u16) -> Option<Node<'t>> {
        // `x = x.replaceAll('[^a-zA-Z0-9_]', '')`: the variable is cleaned where it is given a
        // value, whatever it held before.
        if values.iter().any(|v| self.cleans(*v, name)) {
            return None;
        }
        values.into_iter().find_map(|v| self.reads_parameter(v, depth + HOP))
    }

    /// Whether `v` is `name` escaped, or stripped to an allow-list of characters
    /// (`name.replaceAll('[^a-zA-Z0-9_]', '')`).
    fn cleans(&self, v: Node<'t>, name: &str) -> bool {
        if v.kind() != "method_invocation" {
            return false;
        }
        let field = |f: &str| v.child_by_field_name(f);
        let on_itself = field("object").is_some_and(|o| self.text[o.byte_range()].eq_ignore_ascii_case(name));
        let method = field("name").map_or(String::new(), |n| self.text[n.byte_range()].to_ascii_lowercase());
        if !on_itself {
            return false;
        }
        if ESCAPERS.contains(&method.as_str()) || method == "escapeecmascript" {
            return true;
        }
        let pattern = field("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|p| p.kind() == "string_literal")
            .map(|p| self.text[p.byte_range()].trim_matches('\''));
        method == "replaceall" && pattern.is_some_and(allow_list_class)
    }

    /// Whether every method of the file named `name` (lower case) is declared to return a
    /// type whose text cannot carry markup.
    fn returns_markup_free(&self, name: &str) -> bool {
        let Some(mut root) = self.scope else { return false };
        while let Some(up) = root.parent() {
            root = up;
        }
        let mut seen = false;
        let mut cursor = root.walk();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if n.kind() == "method_declaration"
                && n.child_by_field_name("name")
                    .is_some_and(|m| self.text[m.byte_range()].eq_ignore_ascii_case(name))
            {
                let ty = n
                    .child_by_field_name("type")
                    .map_or("", |t| self.text[t.byte_range()].trim());
                if !MARKUP_FREE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
                    return false;
                }
                seen = true;
            }
            stack.extend(n.named_children(&mut cursor));
        }
        seen
    }

    /// Whether `name` is a custom lookup field: the file also reads `Name__r`.
    fn lookup(&self, name: &str) -> bool {
        let Some(stem) = name.get(..name.len().saturating_sub(3)).filter(|_| name.len() > 3) else {
            return false;
        };
        if !name[stem.len()..].eq_ignore_ascii_case("__c") {
            return false;
        }
        let relationship = format!("{stem}__r");
        contains_ascii_ci(self.text, &relationship)
    }

    /// A local, or a field of the class, is the code's when every value it is given is.
    fn local(&self, name: Node<'t>, depth: u16) -> Option<Node<'t>> {
        let mut scope = self.scope?;
        let wanted = &self.text[name.byte_range()];
        loop {
            if self.markup_free_type(scope, wanted) {
                return None;
            }
            match self.values_in(scope, wanted) {
                Err(()) => return Some(name),
                Ok(values) if values.is_empty() => {
                    // Not the method's: the class's field, if the class gives it a value.
                    let mut outer = scope.parent();
                    while let Some(o) = outer.filter(|o| o.kind() != "class_body") {
                        outer = o.parent();
                    }
                    match outer {
                        Some(o) if o != scope => scope = o,
                        _ => return Some(name),
                    }
                }
                Ok(values) => {
                    // Each value in the scope it is written in: a getter's return reads the
                    // getter's locals.
                    return values
                        .into_iter()
                        .find_map(|v| Resolver::new(v, self.text, self.rich).dynamic(v, depth + HOP))
                        .map(|_| name);
                }
            }
        }
    }

    /// The values given to the variable `name` (an identifier) where it is declared: in the
    /// innermost method or class around it that gives it any; `Err` for a parameter (its value
    /// is the caller's) or a value that is not visible; empty when nothing in the file does.
    pub(crate) fn values_seen_from(&self, name: Node<'t>) -> Result<Vec<Node<'t>>, ()> {
        let wanted = &self.text[name.byte_range()];
        let scopes = std::iter::successors(name.parent(), |n| n.parent()).filter(|n| {
            matches!(
                n.kind(),
                "method_declaration" | "constructor_declaration" | "class_body"
            )
        });
        for scope in scopes {
            let values = self.values_in(scope, wanted)?;
            if !values.is_empty() {
                return Ok(values);
            }
        }
        Ok(Vec::new())
    }

    /// The values `scope` gives the variable `name`; `Err` when one is not visible (a
    /// parameter, a compound assignment's whole).
    pub(crate) fn values_in(&self, scope: Node<'t>, wanted: &str) -> Result<Vec<Node<'t>>, ()> {
        let named = |n: Option<Node<'_>>| n.is_some_and(|n| self.text[n.byte_range()].eq_ignore_ascii_case(wanted));
        let mut values: Vec<Node<'t>> = Vec::new();
        let mut cursor = scope.walk();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            let target = match n.kind() {
                "variable_declarator" => {
                    // A property whose getter has a body computes its value.
                    if named(n.child_by_field_name("name")) && computed_property(n) {
                        return Err(());
                    }
                    n.child_by_field_name("name")
                }
                // `this.x = v` gives the field `x` its value.
                "assignment_expression" => n.child_by_field_name("left").map(|l| {
                    match (
                        l.kind(),
                        l.child_by_field_name("object"),
                        l.child_by_field_name("field"),
                    ) {
                        ("field_access", Some(o), Some(f))
                            if self.text[o.byte_range()].eq_ignore_ascii_case("this") =>
                        {
                            f
                        }
                        _ => l,
                    }
                }),
                // `getX()` is what a page's `{!x}` calls: its value is what it returns.
                "method_declaration" => {
                    if n.child_by_field_name("name")
                        .is_some_and(|m| is_getter(&self.text[m.byte_range()], wanted))
                    {
                        let returned = returns(n);
                        if returned.is_empty() {
                            return Err(());
                        }
                        values.extend(returned);
                    }
                    None
                }
                // A parameter's value is the caller's.
                "formal_parameter" => {
                    if named(n.child_by_field_name("name")) {
                        return Err(());
                    }
                    None
                }
                _ => None,
            };
            if named(target) {
                match n.child_by_field_name(if n.kind() == "variable_declarator" {
                    "value"
                } else {
                    "right"
                }) {
                    Some(v) => values.push(v),
                    // Declared without a value: given one elsewhere, or null.
                    None if n.kind() == "variable_declarator" => {}
                    None => return Err(()),
                }
            }
            stack.extend(n.named_children(&mut cursor));
        }
        Ok(values)
    }
}

/// `Constants.ERROR_TEXT`: a class's constant, by Apex's naming custom (a capitalized class,
/// an upper-case name); no record's field is written so, and custom fields end in `__c`.
fn is_class_constant(object: &str, name: &str) -> bool {
    let class = !object.is_empty()
        && object.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && object.starts_with(|c: char| c.is_ascii_uppercase());
    let upper = name.len() > 1
        && name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !name.ends_with("__C");
    class && upper
}

/// A regular expression that matches every character outside an allow-list of letters,
/// digits, `_`, `-` and `.` (`[^a-zA-Z0-9_]`): replacing its matches leaves nothing that
/// markup or a script could use.
fn allow_list_class(pattern: &str) -> bool {
    let Some(inside) = pattern.strip_prefix("[^").and_then(|p| p.strip_suffix(']')) else {
        return false;
    };
    !inside.is_empty()
        && inside
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'\\'))
}

/// Declared types whose values print without markup.
const MARKUP_FREE_TYPES: &[&str] = &[
    "integer", "long", "decimal", "double", "boolean", "id", "date", "datetime", "time",
];

/// Whether method `m` is the getter a page's `{!name}` calls.
fn is_getter(m: &str, name: &str) -> bool {
    m.len() == name.len() + 3 && m[..3].eq_ignore_ascii_case("get") && m[3..].eq_ignore_ascii_case(name)
}

/// The expressions a method returns; empty when one `return` has none.
fn returns(method: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = method.walk();
    let mut stack = vec![method];
    while let Some(n) = stack.pop() {
        if n.kind() == "return_statement" {
            match n.named_child(0) {
                Some(v) => out.push(v),
                None => return Vec::new(),
            }
            continue;
        }
        stack.extend(n.named_children(&mut cursor));
    }
    out
}

/// Whether a declarator is a property with a `get { ... }` body.
fn computed_property(declarator: Node<'_>) -> bool {
    let Some(decl) = declarator.parent() else {
        return false;
    };
    let mut cursor = decl.walk();
    let lists: Vec<Node<'_>> = decl
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "accessor_list")
        .collect();
    lists.iter().any(|list| {
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .any(|a| a.child_by_field_name("body").is_some())
    })
}
