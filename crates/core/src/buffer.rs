//! Reusing a list's buffer for lists that borrow from different data.
//!
//! A decoder or a sink hands the engine one list per row: the cells of one row borrow
//! from that row, the next row's from the next, so a list kept between rows cannot have
//! one lifetime. [`emptied`] turns an emptied list into a list of another lifetime (or of
//! any element type with the same layout) in place, where a fresh list was an allocation
//! and a free per row.

/// `v` emptied, as a list of `U`. The buffer is kept when `T` and `U` have one size and
/// alignment (two lifetimes of one type always do): collecting an emptied list in place
/// reuses it. Otherwise the result is a new empty list.
pub fn emptied<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the list is empty"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emptied_list_keeps_its_buffer() {
        let text = String::from("name13812345678");
        let mut cells: Vec<(&str, &str)> = Vec::with_capacity(8);
        cells.push((&text[..4], &text[4..]));
        let buffer = cells.as_ptr() as usize;
        let next: Vec<(&str, &str)> = emptied(cells);
        assert!(next.is_empty());
        assert_eq!((next.as_ptr() as usize, next.capacity()), (buffer, 8));
    }
}
