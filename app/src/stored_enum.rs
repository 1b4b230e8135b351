//! `stored_enum!`: an enum kept in a text column (whose CHECK constraint lists the names), with
//! each variant's name written once. SeaORM stores it and serde sends it by that name, and the
//! enum gets `ALL`, `as_str` and `parse`.

/// ```ignore
/// stored_enum! {
///     /// Doc comment.
///     pub enum Role {
///         PlatformAdmin = "platform_admin",
///         CocAdmin = "coc_admin",
///     }
/// }
/// ```
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        // The column's length and allowed names are the migration's; SeaORM only needs "text".
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $text))]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
