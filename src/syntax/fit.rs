//! Long-lived collections at their exact size.
//!
//! A scan keeps, for every file, a few vectors built by pushing (tree copies, declarations,
//! XML elements), so their spare room adds up. `shrink_to_fit` does not give it back under
//! mimalloc, the allocator sfsec runs on: a reallocation to at least half the block's size
//! stays in place. These copy instead, into a block of the right size
//! (bench/NOTES.md#exact-size).

/// `v` in a block of its length; the same vector when it has no spare room.
pub(crate) fn vec<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut out = Vec::with_capacity(v.len());
    out.extend(v);
    out
}

/// `v` as a boxed slice in a block of its length.
pub(crate) fn boxed<T>(v: Vec<T>) -> Box<[T]> {
    vec(v).into_boxed_slice()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fitted_vector_keeps_its_items_and_has_no_spare_room() {
        let mut v: Vec<String> = Vec::with_capacity(64);
        v.extend(["a", "b", "c"].map(String::from));
        let fitted = super::vec(v);
        assert_eq!(fitted, ["a", "b", "c"]);
        assert_eq!(fitted.capacity(), 3);
        let boxed = super::boxed(vec![1u8; 5]);
        assert_eq!(&*boxed, &[1u8; 5]);
        assert!(super::vec(Vec::<u8>::new()).capacity() == 0);
    }
}
