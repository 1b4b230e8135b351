//! Opaque public ids. Row ids are sequential and rows are never deleted, so the gaps in the ids
//! a viewer sees would count the rows they may not see (DV shelters, their lines, victim service
//! providers) and date their activity. URLs, forms, JSON and exports carry a random public id
//! instead, made once when the row is inserted and never changed.
use rand::Rng;

/// A new public id: 20 lower-case hex digits (80 random bits), like the ones migration m0009 gave
/// the rows that existed before it.
pub fn new() -> String {
    let bytes: [u8; 10] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_ids_are_random_hex_of_one_length() {
        let (a, b) = (super::new(), super::new());
        use crate::input::is_public_id;
        assert!(is_public_id(&a) && is_public_id(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(!is_public_id("7") && !is_public_id(&"g".repeat(20)));
    }
}
