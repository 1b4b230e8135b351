//! Components shared by every page.
pub mod feedback;
pub mod layout;
pub mod pages;
pub mod url;
