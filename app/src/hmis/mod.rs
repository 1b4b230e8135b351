//! HMIS vocabulary shared by the admin pages, the coordinator page and (later) the export.
pub mod codes;
