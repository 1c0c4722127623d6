//! Apex syntax trees kept after the per-file pass, in a compact form.
//!
//! A tree-sitter tree costs about 30 bytes of memory per byte of Apex, most of a scan's peak
//! when kept (bench/NOTES.md#tree-copies). Once a file's per-file lints have run, its tree is
//! copied here (20 bytes per node, about a quarter as much) and freed; most files
//! keep only their declarations, bodies elided but those the data flow will likely read
//! ([`FlatTree::declarations_keeping`]) and modifiers, annotation arguments and declared type
//! arguments without their inside, and the data flow parses again the other bodies it
//! analyzes ([`FlatTree::body`]). Once a scan has read those declarations, it keeps only the
//! bodies and initializers they point to, with their ancestors ([`FlatTree::outline`]). The
//! cross-file analyses (data flow, setting usage) read these copies through a [`Node`] that
//! answers the same questions as `tree_sitter::Node`, by the same names.
//!
//! Nodes are stored in pre-order, so a node's children follow it and its subtree ends where
//! its `after` index says: walking, skipping a subtree and finding a sibling are index arithmetic.

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use crate::syntax::apex::LANGUAGE;

/// One node. Offsets are `u32`: files over [`crate::workspace::project::MAX_FILE_BYTES`] are not parsed.
#[derive(Clone, Copy)]
struct Slot {
    start: u32,
    end: u32,
    /// The index just past this node's subtree: its next sibling, if it has one.
    after: u32,
    /// [`NONE`] for the root.
    parent: u32,
    kind: u16,
    /// The field this node fills in its parent; 0 for none.
    field: u8,
    flags: u8,
}

const NONE: u32 = u32::MAX;
const NAMED: u8 = 1;
const MISSING: u8 = 2;
const HAS_ERROR: u8 = 4;
const ELIDED: u8 = 8;
/// tree-sitter's id for ERROR nodes.
const ERROR_KIND: u16 = u16::MAX;

/// Kind names by id, resolved once.
static KINDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (0..LANGUAGE.node_kind_count() as u16)
        .map(|id| LANGUAGE.node_kind_for_id(id).unwrap_or(""))
        .collect()
});

/// What [`FlatTree::declarations`] leaves out: the kinds of bodies, by the declaration they
/// belong to, and, outside bodies, the inside of nodes the data-flow model reads only as text.
struct DeclKinds {
    bodies: [u16; 3],
    owners: [u16; 6],
    /// A modifier's keyword, an annotation's arguments.
    leaves: [u16; 2],
    type_arguments: u16,
    generic_type: u16,
    /// Declarations whose type's arguments are left out (`List<String>` keeps `List`).
    typed: [u16; 3],
}

impl DeclKinds {
    fn is_body(&self, kind: u16, parent: Option<u16>) -> bool {
        self.bodies.contains(&kind) && parent.is_some_and(|p| self.owners.contains(&p))
    }

    /// Whether a node outside every body is kept without its children: the model reads a
    /// modifier's text, an annotation's name and a declared type's name, nothing inside them.
    /// A declaration holds few nodes, but these were a third of them.
    fn is_leaf(&self, kind: u16, parent: Option<u16>, grandparent: Option<u16>) -> bool {
        self.leaves.contains(&kind)
            || kind == self.type_arguments
                && parent == Some(self.generic_type)
                && grandparent.is_some_and(|g| self.typed.contains(&g))
    }
}

static DECL_KINDS: LazyLock<DeclKinds> = LazyLock::new(|| {
    let id = |k| crate::syntax::apex::kind_id(k).unwrap_or(u16::MAX - 1);
    DeclKinds {
        bodies: ["block", "constructor_body", "trigger_body"].map(id),
        owners: [
            "method_declaration",
            "constructor_declaration",
            "accessor_declaration",
            "static_initializer",
            "class_body",
            "trigger_declaration",
        ]
        .map(id),
        leaves: ["modifier", "annotation_argument_list"].map(id),
        type_arguments: id("type_arguments"),
        generic_type: id("generic_type"),
        typed: ["method_declaration", "formal_parameter", "field_declaration"].map(id),
    }
});

/// A flattened Apex tree.
pub(crate) struct FlatTree {
    nodes: Box<[Slot]>,
    /// Whether some node was left out: an elided body, or the inside of a declaration's
    /// modifier, annotation arguments or type arguments.
    elided: bool,
    /// Where the tree nests past [`crate::syntax::tree::MAX_DEPTH`]; such a tree is not copied (its
    /// nodes are empty), since the analyses that read it recurse once per level.
    too_deep: Option<u32>,
}

impl FlatTree {
    /// Where the source nests past [`crate::syntax::tree::MAX_DEPTH`], if it does: then the tree
    /// holds no node.
    pub(crate) fn too_deep(&self) -> Option<usize> {
        self.too_deep.map(|o| o as usize)
    }

    /// Copies `tree`, visiting each node once.
    pub(crate) fn new(tree: &tree_sitter::Tree) -> Self {
        Self::copy(tree.root_node(), None, 0)
    }

    /// Copies `tree` without the inside of method, constructor, accessor, initializer and
    /// trigger bodies, but for those that contain one of `marks` (ascending byte offsets): the
    /// bodies the analysis will likely read (see [`crate::dataflow::hot`]). An elided body is
    /// kept as one node with its range and kind (see [`Node::is_elided`]), whose inside
    /// [`FlatTree::body`] parses again when it is needed. Declarations are a small part of the
    /// code; the data flow needs few bodies. Outside bodies, modifiers, annotation arguments and
    /// declared type arguments are kept as leaves.
    pub(crate) fn declarations_keeping(tree: &tree_sitter::Tree, marks: &[u32]) -> Self {
        Self::copy(tree.root_node(), Some(marks), 0)
    }

    /// [`FlatTree::declarations_keeping`] with no body kept (tests).
    #[cfg(test)]
    pub(crate) fn declarations(tree: &tree_sitter::Tree) -> Self {
        Self::copy(tree.root_node(), Some(&[]), 0)
    }

    /// Copies the subtree at `top`, with every offset moved by `shift`. `top` becomes the root.
    /// With `elide`, bodies are elided but those that contain one of its offsets.
    fn copy(top: tree_sitter::Node<'_>, elide: Option<&[u32]>, shift: isize) -> Self {
        // Whether a kind is named is a property of the kind: looked up, not asked per node.
        static NAMED_KINDS: LazyLock<Vec<bool>> = LazyLock::new(|| {
            (0..LANGUAGE.node_kind_count() as u16)
                .map(|id| LANGUAGE.node_kind_is_named(id))
                .collect()
        });
        let named = &*NAMED_KINDS;
        let decl = &*DECL_KINDS;
        // Most trees have no error: then no node does, and none needs asking.
        let errors = top.has_error();
        let at = |offset: usize| (offset as isize + shift).max(0) as u32;
        // About one node per three bytes of Apex.
        let mut nodes: Vec<Slot> =
            Vec::with_capacity(top.byte_range().len() / if elide.is_some() { 12 } else { 3 } + 16);
        // Open ancestors of the cursor's node, innermost last, each with how many of its
        // children are still to come: the cursor then moves to a next sibling only when there
        // is one. Asking it for one past the last climbed through the grammar's hidden nodes,
        // a tenth of the copy's cost.
        let mut open: Vec<(u32, u32)> = Vec::new();
        let mut elided = false;
        // Where in `open` the outermost body kept whole is: inside it, everything is kept.
        let mut body_at: Option<usize> = None;
        let mut cursor = top.walk();
        loop {
            let node = cursor.node();
            let kind = node.kind_id();
            let start = at(node.start_byte());
            let end = at(node.end_byte());
            let mut flags = 0;
            if kind == ERROR_KIND || named.get(kind as usize).copied().unwrap_or(false) {
                flags |= NAMED;
            }
            if errors {
                // Only a node without width can be missing.
                if start == end && node.is_missing() {
                    flags |= MISSING;
                }
                if node.has_error() {
                    flags |= HAS_ERROR;
                }
            }
            let parent_kind = open.last().map(|&(p, _)| nodes[p as usize].kind);
            let mut leaf = false;
            let mut kept_body = false;
            if let Some(marks) = elide
                && body_at.is_none()
            {
                if decl.is_body(kind, parent_kind) {
                    // The first mark at or after the body's start, if it is inside.
                    let first = marks.partition_point(|&m| m < start);
                    if marks.get(first).is_none_or(|&m| m >= end) {
                        flags |= ELIDED;
                        elided = true;
                    } else {
                        kept_body = true;
                    }
                } else {
                    let grandparent = open.len().checked_sub(2).map(|g| nodes[open[g].0 as usize].kind);
                    leaf = decl.is_leaf(kind, parent_kind, grandparent);
                    // Each of these kinds has children: a keyword, `(`, `<`.
                    elided |= leaf;
                }
            }
            // tree-sitter finds no field among an ERROR node's children by name, though its
            // cursor reports the ones the parser had begun to fill. A test checks the grammar's
            // field ids fit.
            let field = match cursor.field_id() {
                Some(f) if parent_kind != Some(ERROR_KIND) => f.get() as u8,
                _ => 0,
            };
            let index = nodes.len() as u32;
            nodes.push(Slot {
                start,
                end,
                after: index + 1,
                parent: open.last().map_or(NONE, |&(p, _)| p),
                kind,
                field,
                flags,
            });
            if flags & ELIDED == 0 && !leaf && cursor.goto_first_child() {
                if kept_body {
                    body_at = Some(open.len());
                }
                open.push((index, node.child_count().saturating_sub(1) as u32));
                if open.len() > crate::syntax::tree::MAX_DEPTH {
                    return FlatTree {
                        nodes: Box::new([]),
                        elided: false,
                        too_deep: Some(cursor.node().start_byte() as u32),
                    };
                }
                continue;
            }
            loop {
                // The node the copy started from has no siblings to visit.
                let Some((parent, left)) = open.last_mut() else {
                    return FlatTree {
                        nodes: crate::syntax::fit::boxed(nodes),
                        elided,
                        too_deep: None,
                    };
                };
                if *left > 0 && cursor.goto_next_sibling() {
                    *left -= 1;
                    break;
                }
                let closed = *parent;
                open.pop();
                cursor.goto_parent();
                nodes[closed as usize].after = nodes.len() as u32;
                if body_at == Some(open.len()) {
                    body_at = None;
                }
            }
        }
    }

    /// The inside of an elided body of `text` (the file's source), parsed again: the body
    /// alone, in the smallest declaration that holds it, so the cost is the body's. Falls back
    /// to the whole file if that parse does not give the same node.
    pub(crate) fn body(text: &str, elided: Node<'_>) -> Option<FlatTree> {
        let range = elided.byte_range();
        // A body starts with `{` and ends with `}`: no namespace token crosses its edges.
        let inner = crate::syntax::apex::neutralize_tokens(text.get(range.clone())?);
        let (prefix, suffix) = match elided.parent().map(|p| p.kind()) {
            Some("method_declaration") => ("class X{void m()", "}"),
            Some("constructor_declaration") => ("class X{X()", "}"),
            Some("accessor_declaration") => ("class X{Object p{get", "}}"),
            Some("static_initializer") => ("class X{static", "}"),
            Some("class_body") => ("class X{", "}"),
            Some("trigger_declaration") => ("trigger X on Y(before insert)", ""),
            _ => ("", ""),
        };
        if !prefix.is_empty() {
            let snippet = format!("{prefix}{inner}{suffix}");
            if let Some(tree) = crate::syntax::apex::parse(&snippet)
                && !tree.root_node().has_error()
                && let Some(node) = find_node(&tree, prefix.len()..prefix.len() + range.len(), elided.kind_id())
            {
                let body = Self::copy(node, None, range.start as isize - prefix.len() as isize);
                // A body nested too deep for the analyses is not there for them.
                return body.too_deep.is_none().then_some(body);
            }
        }
        let tree = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text))?;
        let node = find_node(&tree, range, elided.kind_id())?;
        let body = Self::copy(node, None, 0);
        body.too_deep.is_none().then_some(body)
    }

    /// This tree reduced to the subtrees at `keep` (node indices, ascending) and their
    /// ancestors, each ancestor keeping only the children on the way to a kept subtree, and
    /// each subtree without its tokens: the anonymous leaves (punctuation, keywords) that fill
    /// no field, unless asked for. Gives the kept nodes' new indices, in `keep`'s order.
    ///
    /// Once a file's declarations are read ([`crate::dataflow::model::Decls`]), the data flow
    /// reaches its tree only through the bodies and initializers they point to, and reads
    /// there named children and fields only; the rest is most of a scan's tree copies
    /// (`bench/NOTES.md#outline`). The ancestors stay, so that an elided body still knows its
    /// declaration's kind (see [`FlatTree::body`]).
    pub(crate) fn outline(&self, keep: &[u32]) -> (FlatTree, Vec<u32>) {
        let slots = &self.nodes;
        if keep.first() == Some(&0) || slots.is_empty() {
            let whole = FlatTree {
                nodes: slots.clone(),
                elided: self.elided,
                too_deep: self.too_deep,
            };
            return (whole, keep.to_vec());
        }
        let mut nodes: Vec<Slot> = vec![Slot { after: 1, ..slots[0] }];
        let mut moved = Vec::with_capacity(keep.len());
        // Ancestors copied and still open: (old index, new index), outermost first.
        let mut open: Vec<(u32, u32)> = vec![(0, 0)];
        let mut chain: Vec<u32> = Vec::new();
        // The last subtree copied, in old indices, and the new index of each of its nodes (a
        // token left out has its next node's): a kept node inside it is already there.
        let mut copied = 0..0;
        let mut map: Vec<u32> = Vec::new();
        let close = |open: &mut Vec<(u32, u32)>, nodes: &mut Vec<Slot>| {
            if let Some((_, new)) = open.pop() {
                nodes[new as usize].after = nodes.len() as u32;
            }
        };
        for (at, &k) in keep.iter().enumerate() {
            let Some(slot) = slots.get(k as usize) else {
                moved.push(NONE);
                continue;
            };
            if copied.contains(&k) {
                moved.push(map[(k - copied.start) as usize]);
                continue;
            }
            // The ancestors of `k`, outermost (the root) first.
            chain.clear();
            let mut p = slot.parent;
            while p != NONE {
                chain.push(p);
                p = slots[p as usize].parent;
            }
            chain.reverse();
            let shared = open.iter().zip(&chain).take_while(|((old, _), c)| old == *c).count();
            while open.len() > shared {
                close(&mut open, &mut nodes);
            }
            for &old in &chain[shared..] {
                let new = nodes.len() as u32;
                nodes.push(Slot {
                    after: new + 1,
                    parent: open.last().map_or(NONE, |&(_, n)| n),
                    ..slots[old as usize]
                });
                open.push((old, new));
            }
            let end = slot.after;
            let subtree = &slots[k as usize..end as usize];
            let inside = &keep[at + 1..];
            let inside = &inside[..inside.partition_point(|&i| i < end)];
            let copies = |j: usize, s: &Slot| {
                let old = k + j as u32;
                j == 0
                    || s.flags & NAMED != 0
                    || s.field != 0
                    || s.after != old + 1
                    || inside.binary_search(&old).is_ok()
            };
            map.clear();
            let mut next = nodes.len() as u32;
            for (j, s) in subtree.iter().enumerate() {
                map.push(next);
                next += u32::from(copies(j, s));
            }
            map.push(next);
            let parent = open.last().map_or(NONE, |&(_, n)| n);
            for (j, s) in subtree.iter().enumerate() {
                if copies(j, s) {
                    nodes.push(Slot {
                        after: map[(s.after - k) as usize],
                        parent: if j == 0 { parent } else { map[(s.parent - k) as usize] },
                        ..*s
                    });
                }
            }
            moved.push(map[0]);
            copied = k..end;
        }
        while !open.is_empty() {
            close(&mut open, &mut nodes);
        }
        let elided = self.elided || nodes.len() < slots.len();
        let tree = FlatTree {
            nodes: crate::syntax::fit::boxed(nodes),
            elided,
            too_deep: self.too_deep,
        };
        (tree, moved)
    }

    /// Whether every node of the source is here: nothing was left out.
    /// How many nodes the tree holds.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn is_whole(&self) -> bool {
        !self.elided
    }

    pub(crate) fn root_node(&self) -> Node<'_> {
        Node {
            nodes: &self.nodes,
            i: 0,
        }
    }

    /// Node `i` (see [`Node::index`]).
    pub(crate) fn node(&self, i: u32) -> Option<Node<'_>> {
        ((i as usize) < self.nodes.len()).then_some(Node { nodes: &self.nodes, i })
    }

    /// The tree as bytes, for the per-file cache ([`crate::engine::memo`]): a flag byte (elided),
    /// then each node as LEB128 numbers relative to what precedes it (its start from the
    /// previous node's, which pre-order never exceeds; its end from its start; its subtree's
    /// end and its parent from its index), its kind, field and flags: about 8 bytes a node,
    /// against 20 in memory. A tree too deep to hold nodes has none to store.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        fn put(out: &mut Vec<u8>, mut v: u32) {
            while v >= 0x80 {
                out.push((v as u8) | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        let mut out = Vec::with_capacity(1 + self.nodes.len() * 8);
        out.push(u8::from(self.elided));
        let mut prev_start = 0;
        for (i, s) in self.nodes.iter().enumerate() {
            let i = i as u32;
            put(&mut out, s.start.wrapping_sub(prev_start));
            put(&mut out, s.end.wrapping_sub(s.start));
            put(&mut out, s.after.wrapping_sub(i));
            put(&mut out, if s.parent == NONE { 0 } else { i.wrapping_sub(s.parent) });
            put(&mut out, u32::from(s.kind));
            out.extend([s.field, s.flags]);
            prev_start = s.start;
        }
        out
    }

    /// A tree from [`FlatTree::to_bytes`], for a text of `len` bytes; `None` unless every node
    /// lies within the text and inside its parent, in pre-order, so that no walk of it can
    /// index past its nodes.
    pub(crate) fn from_bytes(bytes: &[u8], len: usize) -> Option<FlatTree> {
        let (&elided, mut rest) = bytes.split_first()?;
        if elided > 1 {
            return None;
        }
        fn get(rest: &mut &[u8]) -> Option<u32> {
            let mut v: u32 = 0;
            for shift in (0..35).step_by(7) {
                let (&b, tail) = rest.split_first()?;
                *rest = tail;
                v |= u32::from(b & 0x7f).checked_shl(shift)?;
                if b < 0x80 {
                    return Some(v);
                }
            }
            None
        }
        // The subtree ends are checked once the count is known.
        let mut nodes: Vec<Slot> = Vec::with_capacity(rest.len() / 8);
        let mut prev_start: u32 = 0;
        while !rest.is_empty() {
            let i = u32::try_from(nodes.len()).ok()?;
            let start = prev_start.checked_add(get(&mut rest)?)?;
            let end = start.checked_add(get(&mut rest)?)?;
            let after = i.checked_add(get(&mut rest)?)?;
            let parent = match get(&mut rest)? {
                0 if i == 0 => NONE,
                0 => return None,
                up => i.checked_sub(up)?,
            };
            let kind = u16::try_from(get(&mut rest)?).ok()?;
            let (&[field, flags], tail) = rest.split_first_chunk::<2>()?;
            rest = tail;
            let (outer_after, outer_start) = match parent {
                NONE => (u32::MAX, 0),
                p => {
                    let parent: &Slot = nodes.get(p as usize)?;
                    (parent.after, parent.start)
                }
            };
            let known_kind = kind == ERROR_KIND || (kind as usize) < KINDS.len();
            let fits = end as usize <= len && start >= outer_start;
            if !known_kind || !fits || after <= i || after > outer_after {
                return None;
            }
            nodes.push(Slot {
                start,
                end,
                after,
                parent,
                kind,
                field,
                flags,
            });
            prev_start = start;
        }
        let n = nodes.len() as u32;
        if n == 0 || nodes.iter().any(|s| s.after > n) {
            return None;
        }
        Some(FlatTree {
            nodes: nodes.into_boxed_slice(),
            elided: elided == 1,
            too_deep: None,
        })
    }

    /// Every node, in source order (pre-order).
    #[cfg(test)]
    pub(crate) fn nodes(&self) -> impl Iterator<Item = Node<'_>> {
        (0..self.nodes.len() as u32).map(|i| Node { nodes: &self.nodes, i })
    }
}

/// The node of `kind` that spans exactly `range`.
fn find_node(tree: &tree_sitter::Tree, range: Range<usize>, kind: u16) -> Option<tree_sitter::Node<'_>> {
    let mut node = tree.root_node().descendant_for_byte_range(range.start, range.end)?;
    loop {
        if node.byte_range() != range {
            return None;
        }
        if node.kind_id() == kind {
            return Some(node);
        }
        node = node.parent()?;
    }
}

/// A node of a [`FlatTree`]; its methods mean what `tree_sitter::Node`'s of the same name mean.
#[derive(Clone, Copy)]
pub(crate) struct Node<'t> {
    nodes: &'t [Slot],
    i: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.i == other.i && std::ptr::eq(self.nodes, other.nodes)
    }
}

impl Eq for Node<'_> {}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{} {:?}}}", self.kind(), self.byte_range())
    }
}

/// Stands in for `tree_sitter::TreeCursor` in `node.named_children(&mut node.walk())`, so that
/// code reads the same over both trees; a flat tree needs no cursor.
pub(crate) struct Cursor;

impl<'t> Node<'t> {
    /// Where the node is in its tree: [`FlatTree::node`] gives it back.
    pub(crate) fn index(&self) -> u32 {
        self.i
    }

    #[inline]
    fn slot(&self) -> &'t Slot {
        &self.nodes[self.i as usize]
    }

    #[inline]
    fn at(&self, i: u32) -> Node<'t> {
        Node { nodes: self.nodes, i }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self.slot().kind {
            ERROR_KIND => "ERROR",
            k => KINDS.get(k as usize).copied().unwrap_or(""),
        }
    }

    pub(crate) fn kind_id(&self) -> u16 {
        self.slot().kind
    }

    pub(crate) fn is_named(&self) -> bool {
        self.slot().flags & NAMED != 0
    }

    #[cfg(test)]
    pub(crate) fn is_missing(&self) -> bool {
        self.slot().flags & MISSING != 0
    }

    #[cfg(test)]
    pub(crate) fn is_error(&self) -> bool {
        self.slot().kind == ERROR_KIND
    }

    /// A body that [`FlatTree::declarations_keeping`] left out: its range and kind are right, its
    /// children are not there; [`FlatTree::body`] parses them.
    pub(crate) fn is_elided(&self) -> bool {
        self.slot().flags & ELIDED != 0
    }

    #[cfg(test)]
    pub(crate) fn has_error(&self) -> bool {
        self.slot().flags & HAS_ERROR != 0
    }

    pub(crate) fn start_byte(&self) -> usize {
        self.slot().start as usize
    }

    pub(crate) fn end_byte(&self) -> usize {
        self.slot().end as usize
    }

    pub(crate) fn byte_range(&self) -> Range<usize> {
        self.start_byte()..self.end_byte()
    }

    pub(crate) fn parent(&self) -> Option<Node<'t>> {
        match self.slot().parent {
            NONE => None,
            p => Some(self.at(p)),
        }
    }

    pub(crate) fn walk(&self) -> Cursor {
        Cursor
    }

    /// Every child, named or not, in order.
    pub(crate) fn children(&self, _: &mut Cursor) -> Children<'t> {
        Children {
            nodes: self.nodes,
            next: self.i + 1,
            end: self.slot().after,
        }
    }

    pub(crate) fn named_children(&self, c: &mut Cursor) -> impl Iterator<Item = Node<'t>> + use<'t> {
        self.children(c).filter(|n| n.is_named())
    }

    #[cfg(test)]
    pub(crate) fn child(&self, index: u32) -> Option<Node<'t>> {
        self.children(&mut Cursor).nth(index as usize)
    }

    pub(crate) fn named_child(&self, index: u32) -> Option<Node<'t>> {
        self.named_children(&mut Cursor).nth(index as usize)
    }

    #[cfg(test)]
    pub(crate) fn child_count(&self) -> usize {
        self.children(&mut Cursor).count()
    }

    pub(crate) fn named_child_count(&self) -> usize {
        self.named_children(&mut Cursor).count()
    }

    /// The first child that fills field `name` (`child_by_field_name`).
    pub(crate) fn field(&self, name: &str) -> Option<Node<'t>> {
        let id = field_id(name)?;
        self.children(&mut Cursor).find(|c| c.slot().field == id)
    }

    pub(crate) fn children_by_field_name(
        &self,
        name: &str,
        c: &mut Cursor,
    ) -> impl Iterator<Item = Node<'t>> + use<'t> {
        let id = field_id(name).unwrap_or(0);
        self.children(c).filter(move |n| id != 0 && n.slot().field == id)
    }

    /// This node and its descendants in source order; `visit` returns whether to descend.
    pub(crate) fn preorder(&self, mut visit: impl FnMut(Node<'t>) -> bool) {
        let end = self.slot().after;
        let mut i = self.i;
        while i < end {
            let node = self.at(i);
            i = if visit(node) { i + 1 } else { node.slot().after };
        }
    }
}

/// The children of a node, in order.
pub(crate) struct Children<'t> {
    nodes: &'t [Slot],
    next: u32,
    end: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    #[inline]
    fn next(&mut self) -> Option<Node<'t>> {
        if self.next >= self.end {
            return None;
        }
        let node = Node {
            nodes: self.nodes,
            i: self.next,
        };
        self.next = self.nodes.get(self.next as usize).map_or(self.end, |s| s.after);
        Some(node)
    }
}

/// The grammar's id for field `name`, if it fits a [`Slot`]; resolved by name once per name
/// that sfsec uses (see [`crate::syntax::tree::FieldIds`]).
#[inline]
fn field_id(name: &str) -> Option<u8> {
    let id = crate::syntax::tree::apex_field_id(name)?;
    u8::try_from(id).ok()
}

/// The named children of a node's `arguments` field (a call's or constructor's arguments).
pub(crate) fn arguments(node: Node<'_>) -> Vec<Node<'_>> {
    node.field("arguments")
        .map(|a| a.named_children(&mut Cursor).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::tree::NodeExt;

    /// Calls `f` with the text of every Apex file of the corpus and of a generated project of
    /// `classes` classes, but those a scan does not copy: nested past [`crate::syntax::tree::MAX_DEPTH`]
    /// (the corpus has one, for its `analysis-limit` finding) or a managed package's `(hidden)`.
    fn for_each_apex_file(classes: usize, mut f: impl FnMut(&str)) {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let generated = tempfile::tempdir().expect("tmp");
        crate::generate::project(generated.path(), classes, 7).expect("generate");
        for dir in [corpus.as_path(), generated.path()] {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "cls" || e == "trigger") {
                    let text = std::fs::read_to_string(path).expect("read");
                    if text.trim() == "(hidden)" {
                        continue;
                    }
                    let tree =
                        crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(&text)).expect("tree");
                    if FlatTree::new(&tree).too_deep().is_none() {
                        f(&text);
                    }
                }
            }
        }
    }

    /// Every question the cross-file analyses ask gets the same answer from both trees.
    fn assert_same(text: &str) -> usize {
        let tree = crate::syntax::apex::parse(text).expect("tree");
        let flat = FlatTree::new(&tree);
        let mut ts = Vec::new();
        crate::syntax::tree::preorder(tree.root_node(), |n| {
            ts.push(n);
            true
        });
        let mut fl = Vec::new();
        flat.root_node().preorder(|n| {
            fl.push(n);
            true
        });
        assert_eq!(ts.len(), fl.len(), "node count");
        let range = |n: Option<tree_sitter::Node<'_>>| n.map(|n| (n.kind_id(), n.byte_range()));
        let frange = |n: Option<Node<'_>>| n.map(|n| (n.kind_id(), n.byte_range()));
        for (a, b) in ts.iter().zip(&fl) {
            let at = format!("{} at {:?}", a.kind(), a.byte_range());
            assert_eq!(a.kind(), b.kind(), "{at}");
            assert_eq!(a.kind_id(), b.kind_id(), "{at}");
            assert_eq!(a.byte_range(), b.byte_range(), "{at}");
            assert_eq!(
                (a.is_named(), a.is_missing(), a.is_error(), a.has_error()),
                (b.is_named(), b.is_missing(), b.is_error(), b.has_error()),
                "{at}"
            );
            assert_eq!(range(a.parent()), frange(b.parent()), "{at}");
            assert_eq!(a.child_count(), b.child_count(), "{at}");
            assert_eq!(a.named_child_count(), b.named_child_count(), "{at}");
            for i in 0..a.child_count() as u32 {
                assert_eq!(range(a.child(i)), frange(b.child(i)), "{at} child {i}");
            }
            for i in 0..a.named_child_count() as u32 {
                assert_eq!(
                    range(a.named_child(i)),
                    frange(b.named_child(i)),
                    "{at} named child {i}"
                );
            }
            for name in crate::syntax::tree::FIELDS {
                assert_eq!(range(a.field(name)), frange(b.field(name)), "{at} field {name}");
                // tree-sitter's two lookups disagree under an ERROR node (this one finds what
                // the other does not); the flat tree answers both like `child_by_field_name`.
                if a.is_error() {
                    continue;
                }
                let all_a: Vec<_> = a
                    .children_by_field_name(name, &mut a.walk())
                    .map(|n| n.byte_range())
                    .collect();
                let all_b: Vec<_> = b
                    .children_by_field_name(name, &mut b.walk())
                    .map(|n| n.byte_range())
                    .collect();
                assert_eq!(all_a, all_b, "{at} fields {name}");
            }
        }
        fl.len()
    }

    /// A node's kind, range, flags, field, child count and parent's range.
    type Shape = (
        u16,
        std::ops::Range<usize>,
        u8,
        u8,
        usize,
        Option<std::ops::Range<usize>>,
    );

    /// The nodes under `top` (itself included) in pre-order.
    fn shape(top: Node<'_>) -> Vec<Shape> {
        let mut v = Vec::new();
        top.preorder(|n| {
            let p = n.parent().map(|p| p.byte_range());
            v.push((
                n.kind_id(),
                n.byte_range(),
                n.slot().flags,
                n.slot().field,
                n.child_count(),
                p,
            ));
            true
        });
        // The top's own field and parent belong to the tree it sits in.
        if let Some(first) = v.first_mut() {
            first.3 = 0;
            first.5 = None;
        }
        v
    }

    /// Every elided body, parsed again, is the subtree a whole copy has at its place.
    fn assert_bodies_reparse(text: &str) -> usize {
        let tree = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)).expect("tree");
        let whole = FlatTree::new(&tree);
        let decls = FlatTree::declarations(&tree);
        let mut bodies = 0;
        for node in decls.nodes().filter(|n| n.is_elided()) {
            let again = FlatTree::body(text, node).expect("body parses");
            let place = whole
                .nodes()
                .find(|n| n.byte_range() == node.byte_range() && n.kind_id() == node.kind_id())
                .expect("the body in the whole copy");
            assert_eq!(
                shape(again.root_node()),
                shape(place),
                "body at {:?}",
                node.byte_range()
            );
            bodies += 1;
        }
        // Outside the bodies, both copies agree.
        assert_only_insides_left_out(&decls, &whole);
        bodies
    }

    /// `part` is `whole` but for the inside of elided bodies and, outside bodies, of the
    /// declaration leaves [`DeclKinds::is_leaf`] names; both are walked side by side.
    fn assert_only_insides_left_out(part: &FlatTree, whole: &FlatTree) {
        let mut rest = Vec::new();
        whole.root_node().preorder(|n| {
            rest.push(n);
            true
        });
        let mut rest = rest.into_iter();
        part.root_node().preorder(|p| {
            let w = rest.next().expect("a node of the whole copy");
            let at = format!("{} at {:?}", w.kind(), w.byte_range());
            assert_eq!(
                (p.kind_id(), p.byte_range(), p.slot().field),
                (w.kind_id(), w.byte_range(), w.slot().field),
                "{at}"
            );
            if p.child_count() < w.child_count() {
                assert_eq!(p.child_count(), 0, "{at}");
                let parent = w.parent().map(|n| n.kind());
                let grandparent = w.parent().and_then(|n| n.parent()).map(|n| n.kind());
                let leaf = matches!(w.kind(), "modifier" | "annotation_argument_list")
                    || w.kind() == "type_arguments"
                        && parent == Some("generic_type")
                        && matches!(
                            grandparent,
                            Some("method_declaration" | "formal_parameter" | "field_declaration")
                        );
                assert!(p.is_elided() || leaf, "{at} left out");
                // Its inside is skipped in the whole copy too.
                for _ in 1..(w.i..w.slot().after).len() {
                    rest.next();
                }
            } else {
                assert_eq!(p.child_count(), w.child_count(), "{at}");
            }
            true
        });
        assert!(rest.next().is_none(), "the whole copy has more nodes");
    }

    #[test]
    fn declarations_keep_modifiers_annotation_arguments_and_declared_type_arguments_as_leaves() {
        let text = "@RestResource(urlMapping='/x') public class A {\n\
                    private static final Map<String, Object> M = new Map<String, List<Object>>();\n\
                    @AuraEnabled(cacheable=true) public static List<String> m(Set<Id> ids) {\n\
                      final List<String> out = new List<String>(); return out; } }";
        let tree = crate::syntax::apex::parse(text).expect("tree");
        let whole = FlatTree::new(&tree);
        let at = |s: &str| text.find(s).expect("in text") as u32;
        let kept = FlatTree::declarations_keeping(&tree, &[at("return")]);
        assert!(!kept.is_whole());
        assert_only_insides_left_out(&kept, &whole);
        let childless = |t: &FlatTree, kind: &str| -> Vec<String> {
            t.nodes()
                .filter(|n| n.kind() == kind && n.child_count() == 0)
                .map(|n| text[n.byte_range()].to_string())
                .collect()
        };
        assert_eq!(
            childless(&kept, "modifier"),
            ["public", "private", "static", "final", "public", "static"]
        );
        assert_eq!(
            childless(&kept, "annotation_argument_list"),
            ["(urlMapping='/x')", "(cacheable=true)"]
        );
        // The declared types', not the initializer's nor the body's.
        assert_eq!(
            childless(&kept, "type_arguments"),
            ["<String, Object>", "<String>", "<Id>"]
        );
        assert!(childless(&whole, "modifier").is_empty());
        assert!(childless(&whole, "type_arguments").is_empty());
    }

    #[test]
    fn elided_bodies_parse_again_to_the_same_subtree() {
        let n = assert_bodies_reparse(
            "public class A { static { x(); } { y(); } public A() { z(); } void m() { if (a) { w(); } }\n\
             Integer p { get { return 1; } set { v = value; } } class B { void n() {} } }",
        );
        assert_eq!(n, 7);
        // Namespace tokens inside a body are neutralized there too.
        assert_eq!(
            assert_bodies_reparse(
                "public class A { void m() { %%%NAMESPACE_DOT%%%Util.run('%%%NAMESPACE%%%F__c'); } }"
            ),
            1
        );
        assert_eq!(
            assert_bodies_reparse(
                "trigger T on Account (before insert) { for (Account a : Trigger.new) { a.Name = 'x'; } }"
            ),
            1
        );
        let mut bodies = 0;
        for_each_apex_file(60, |text| bodies += assert_bodies_reparse(text));
        assert!(bodies > 150, "{bodies}");
    }

    #[test]
    fn bodies_with_a_mark_are_kept_whole() {
        let text = "public class A { void m() { x(); } void n() { if (a) { y(); } } }";
        let tree = crate::syntax::apex::parse(text).expect("tree");
        let elided = |t: &FlatTree| -> Vec<String> {
            t.nodes()
                .filter(|n| n.is_elided())
                .map(|n| text[n.byte_range()].to_string())
                .collect()
        };
        let at = |s: &str| text.find(s).expect("in text") as u32;
        let kept = FlatTree::declarations_keeping(&tree, &[at("y()")]);
        assert_eq!(elided(&kept), ["{ x(); }"]);
        assert!(!kept.is_whole());
        // Every body kept; the class's modifier keeps no keyword, so the copy is not whole.
        let all = FlatTree::declarations_keeping(&tree, &[at("x()"), at("y()")]);
        assert!(elided(&all).is_empty());
        assert!(!all.is_whole());
        let bare = "class A { void m() { x(); } }";
        let bare_tree = crate::syntax::apex::parse(bare).expect("tree");
        let x = bare.find("x()").expect("in text") as u32;
        assert!(FlatTree::declarations_keeping(&bare_tree, &[x]).is_whole());
        assert!(FlatTree::new(&tree).is_whole());
        // The kept body is the whole copy's, node for node.
        let whole = FlatTree::new(&tree);
        let from = |t: &FlatTree| {
            shape(t.root_node())
                .into_iter()
                .filter(|n| n.1.start >= at("{ if") as usize)
                .collect::<Vec<_>>()
        };
        assert_eq!(from(&kept), from(&whole));
        // A mark outside every body, or none, keeps no body.
        assert_eq!(elided(&FlatTree::declarations_keeping(&tree, &[at("void n")])).len(), 2);
        assert_eq!(
            shape(FlatTree::declarations_keeping(&tree, &[]).root_node()),
            shape(FlatTree::declarations(&tree).root_node())
        );
    }

    #[test]
    fn a_mark_in_every_body_keeps_the_whole_tree() {
        let mut files = 0;
        for_each_apex_file(60, |text| {
            let tree = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)).expect("tree");
            if tree.root_node().has_error() {
                return;
            }
            let marks: Vec<u32> = FlatTree::declarations(&tree)
                .nodes()
                .filter(|n| n.is_elided())
                .map(|n| n.start_byte() as u32)
                .collect();
            let kept = FlatTree::declarations_keeping(&tree, &marks);
            assert!(kept.nodes().all(|n| !n.is_elided()));
            assert_only_insides_left_out(&kept, &FlatTree::new(&tree));
            files += 1;
        });
        assert!(files > 50, "{files}");
    }

    #[test]
    fn grammar_field_ids_fit_a_slot() {
        assert!(LANGUAGE.field_count() < 256, "{}", LANGUAGE.field_count());
    }

    #[test]
    fn flat_tree_answers_like_tree_sitter() {
        let n = assert_same(
            "@RestResource(urlMapping='/x/*') global with sharing class A extends B implements C {\n\
             private static final String URL = 'https://x.example.com' + '/y';\n\
             public String p { get { return URL; } set; }\n\
             static { init(); }\n\
             public A(Integer i) { this.i = i; }\n\
             /* block */ @HttpGet global static String m(List<String> xs, Map<String, Object> m) {\n\
               // line\n\
               HttpRequest req = new HttpRequest(); req.setEndpoint(URL + xs[0]);\n\
               for (String s : xs) { if (s == null) { continue; } else if (s != '') { req.setBody(s); } }\n\
               String q = 'SELECT Id FROM Account WHERE Name = :s';\n\
               List<Account> a = [SELECT Id FROM Account WHERE Name = :q LIMIT 1];\n\
               Object o = m.get('k') ?? 'd'; Integer n = xs.size() > 0 ? 1 : -1;\n\
               try { new Http().send(req); } catch (Exception e) { throw e; } finally { n++; }\n\
               switch on n { when 1 { return 'a'; } when else { return UserInfo.getSessionId(); } }\n\
             }\n\
             class Inner { void x() { } }\n\
             }\n\
             trigger T on Account (before insert) { for (Account a : Trigger.new) { a.Name = 'x'; } }",
        );
        assert!(n > 300, "{n}");
    }

    #[test]
    fn flat_tree_keeps_syntax_errors() {
        assert_same("public class A { void m() { String s = ; if (x { } }");
        assert_same("public class A { void m() { foo(");
        assert_same("");
    }

    #[test]
    fn flat_tree_of_every_corpus_and_generated_class_answers_like_tree_sitter() {
        let mut files = 0;
        for_each_apex_file(150, |text| {
            assert_same(&crate::syntax::apex::neutralize_tokens(text));
            files += 1;
        });
        assert!(files > 150, "{files}");
    }

    /// The per-file cache's encoding gives back every tree as it was (whole, declarations and
    /// with errors), and a damaged copy is refused, never read past its nodes.
    #[test]
    fn every_corpus_and_generated_tree_comes_back_from_its_bytes_and_damage_is_refused() {
        let same = |a: &FlatTree, b: &FlatTree| {
            a.elided == b.elided
                && a.nodes.len() == b.nodes.len()
                && a.nodes.iter().zip(b.nodes.iter()).all(|(x, y)| {
                    (x.start, x.end, x.after, x.parent, x.kind, x.field, x.flags)
                        == (y.start, y.end, y.after, y.parent, y.kind, y.field, y.flags)
                })
        };
        let mut files = 0;
        let broken = "public class B { void m() { if (x { } } }";
        let mut texts: Vec<String> = vec![broken.to_string()];
        for_each_apex_file(40, |text| texts.push(text.to_string()));
        for text in &texts {
            let neutral = crate::syntax::apex::neutralize_tokens(text);
            let tree = crate::syntax::apex::parse(&neutral).expect("tree");
            for flat in [FlatTree::new(&tree), FlatTree::declarations(&tree)] {
                let bytes = flat.to_bytes();
                let back = FlatTree::from_bytes(&bytes, text.len()).expect("decodes");
                assert!(same(&flat, &back), "{}", &text[..text.len().min(80)]);
                // Shorter than its text's tree needs, truncated, or with a byte changed: refused
                // or, where the change still makes a consistent tree, read without a panic.
                assert!(FlatTree::from_bytes(&bytes, flat.root_node().byte_range().end - 1).is_none());
                assert!(FlatTree::from_bytes(&bytes[..bytes.len() - 1], text.len()).is_none());
                for at in (1..bytes.len()).step_by(97) {
                    let mut damaged = bytes.clone();
                    damaged[at] ^= 0x5a;
                    if let Some(t) = FlatTree::from_bytes(&damaged, text.len()) {
                        for n in t.nodes() {
                            let _ = (n.kind(), n.parent(), n.named_child_count(), n.child(0), n.field("body"));
                        }
                    }
                }
            }
            files += 1;
        }
        assert!(files > 40, "{files}");
    }

    /// The outline of `tree` to `keep` has each kept subtree as it was, but for the tokens
    /// that fill no field, under the same chain of ancestors, and no other node but those
    /// ancestors; its own links are sound (each child's parent is the node it is listed under).
    fn assert_outline(tree: &FlatTree, keep: &[u32]) {
        let (outline, moved) = tree.outline(keep);
        assert_eq!(moved.len(), keep.len());
        let chain = |n: Node<'_>| {
            let mut v = Vec::new();
            let mut p = n.parent();
            while let Some(q) = p {
                v.push((q.kind_id(), q.byte_range(), q.slot().field));
                p = q.parent();
            }
            v
        };
        let asked = |n: Node<'_>| keep.iter().zip(&moved).any(|(&k, &m)| n.index() == k || n.index() == m);
        // What the data flow can read under a node: kind, range, flags, field and parent of
        // every node but the tokens that fill no field.
        let readable = |top: Node<'_>, in_outline: bool| {
            let mut v = Vec::new();
            top.preorder(|n| {
                let token = !n.is_named() && n.slot().field == 0 && n.child_count() == 0;
                let asked = if in_outline {
                    asked(n)
                } else {
                    keep.contains(&n.index())
                };
                if n == top || !token || asked {
                    let parent = (n != top).then(|| n.parent().map(|p| p.byte_range()));
                    v.push((n.kind_id(), n.byte_range(), n.slot().flags, n.slot().field, parent));
                }
                true
            });
            v
        };
        let mut copied = 0;
        for (&k, &m) in keep.iter().zip(&moved) {
            let (old, new) = (tree.node(k).expect("kept"), outline.node(m).expect("moved"));
            let at = format!("{} at {:?}", old.kind(), old.byte_range());
            let left = readable(new, true);
            assert_eq!(left, readable(old, false), "{at}");
            // Nothing but what it can read.
            let mut all = 0;
            new.preorder(|_| {
                all += 1;
                true
            });
            assert_eq!(all, left.len(), "{at}");
            assert_eq!(new.slot().field, old.slot().field, "{at}");
            assert_eq!(chain(new), chain(old), "{at}");
            // A subtree not inside another kept one.
            if !keep.iter().any(|&o| o < k && k < tree.nodes[o as usize].after) {
                copied += all;
            }
        }
        let mut seen = 0;
        outline.root_node().preorder(|n| {
            for c in n.children(&mut Cursor) {
                assert_eq!(c.parent(), Some(n), "{} in {}", c.kind(), n.kind());
                assert!(c.slot().after <= n.slot().after);
            }
            seen += 1;
            true
        });
        assert_eq!(seen, outline.nodes.len(), "one tree");
        let ancestors = outline.nodes.len() - copied;
        assert!(
            ancestors
                <= keep
                    .iter()
                    .map(|&k| chain(tree.node(k).expect("kept")).len())
                    .sum::<usize>(),
            "only ancestors besides the kept subtrees"
        );
        assert_eq!(
            outline.is_whole(),
            outline.nodes.len() == tree.nodes.len() && tree.is_whole()
        );
    }

    #[test]
    fn an_outline_keeps_the_kept_subtrees_under_their_ancestors() {
        let text = "public class A {\n  static String s = 'x' + y();\n  public class B { void m() { f(1); } }\n  Integer n { get { return 1; } }\n  void k() { g(); }\n}";
        let tree = crate::syntax::apex::parse(text).expect("tree");
        let whole = FlatTree::new(&tree);
        let at = |kind: &str, from: &str| {
            let start = text.find(from).expect("in text");
            whole
                .nodes()
                .find(|n| n.kind() == kind && n.start_byte() >= start)
                .expect("node")
                .index()
        };
        let keep = [
            at("binary_expression", "'x'"),
            at("block", "{ f(1)"),
            at("argument_list", "(1)"),
            at("block", "{ return"),
            at("block", "{ g()"),
        ];
        assert_outline(&whole, &keep);
        let (outline, moved) = whole.outline(&keep);
        assert!(!outline.is_whole());
        // `{ f(1); }` under `void m()` under `class B` under `class A`.
        let f = outline.node(moved[1]).expect("kept");
        let kinds: Vec<&str> = std::iter::successors(f.parent(), |n| n.parent())
            .map(|n| n.kind())
            .collect();
        assert_eq!(
            kinds,
            [
                "method_declaration",
                "class_body",
                "class_declaration",
                "class_body",
                "class_declaration",
                "parser_output"
            ]
        );
        // Tokens are left out unless they fill a field (`+`) or are asked for.
        let kinds_under = |n: Node<'_>| n.children(&mut Cursor).map(|c| c.kind()).collect::<Vec<_>>();
        assert_eq!(kinds_under(f), ["expression_statement"]);
        assert_eq!(kinds_under(f.named_child(0).expect("f(1);")), ["method_invocation"]);
        let sum = outline.node(moved[0]).expect("'x' + y()");
        assert_eq!(kinds_under(sum), ["string_literal", "+", "method_invocation"]);
        let semicolon = whole
            .nodes()
            .find(|n| n.kind() == ";" && n.start_byte() == text.find("g();").expect("g") + 3)
            .expect(";");
        let (with_token, at) = whole.outline(&[keep[4], semicolon.index()]);
        let g = with_token.node(at[0]).expect("{ g(); }");
        assert_eq!(kinds_under(g.named_child(0).expect("g();")), ["method_invocation", ";"]);
        assert_eq!(
            with_token.node(at[1]).map(|n| n.byte_range()),
            Some(semicolon.byte_range())
        );
        // A node inside a kept subtree is found in its copy.
        assert_eq!(
            outline.node(moved[2]).map(|n| n.byte_range()),
            whole.node(keep[2]).map(|n| n.byte_range())
        );
        // Nothing kept: the root alone; everything: the tree as it was.
        let (bare, none) = whole.outline(&[]);
        assert!(none.is_empty());
        assert_eq!(bare.nodes.len(), 1);
        assert_eq!(bare.root_node().byte_range(), whole.root_node().byte_range());
        assert_eq!(shape(whole.outline(&[0]).0.root_node()), shape(whole.root_node()));
    }

    #[test]
    fn an_outline_of_every_corpus_and_generated_class_keeps_what_it_is_asked_to() {
        let mut files = 0;
        for_each_apex_file(60, |text| {
            let Some(tree) = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)) else {
                return;
            };
            let whole = FlatTree::new(&tree);
            // Bodies and declarators, and every 17th node: nested and scattered subtrees.
            let keep: Vec<u32> = whole
                .nodes()
                .filter(|n| matches!(n.kind(), "block" | "variable_declarator") || n.index() % 17 == 5)
                .map(|n| n.index())
                .collect();
            assert_outline(&whole, &keep);
            let decls = FlatTree::declarations(&tree);
            let bodies: Vec<u32> = decls.nodes().filter(|n| n.is_elided()).map(|n| n.index()).collect();
            assert_outline(&decls, &bodies);
            files += 1;
        });
        assert!(files > 60, "{files}");
    }

    #[test]
    fn preorder_skips_subtrees_and_arguments_are_named_children() {
        let tree = crate::syntax::apex::parse("class A { void m() { f(a, g(b)); h(c); } }").expect("tree");
        let flat = FlatTree::new(&tree);
        let mut ids = Vec::new();
        let mut inner = None;
        flat.root_node().preorder(|n| {
            if n.kind() == "identifier" {
                ids.push(n.byte_range());
            }
            if n.kind() == "method_invocation" && n.start_byte() == 26 {
                inner = Some(n);
                return false;
            }
            true
        });
        // `b` inside `g(...)` is skipped.
        assert_eq!(ids, [6..7, 15..16, 21..22, 23..24, 33..34, 35..36]);
        let g = inner.expect("g(b)");
        assert_eq!(arguments(g).len(), 1);
        let f = g.parent().and_then(|a| a.parent()).expect("f(...)");
        assert_eq!(arguments(f).len(), 2);
    }
}
