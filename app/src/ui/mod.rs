//! Components shared by every page.
pub mod feedback;
pub mod hmis_export;
pub mod layout;
pub mod pages;
pub mod url;
