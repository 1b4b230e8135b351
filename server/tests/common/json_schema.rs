//! A JSON Schema checker for the keywords our contract's schema uses (docs/inventory-v1.schema.json):
//! `type` (one or a list), `const`, `enum`, `required`, `properties`, `additionalProperties: false`,
//! `items`, `minItems`, `minimum`, `maxLength`, `oneOf` and `$ref` to `#/$defs/...`. `pattern`
//! and `format` are checked for the shapes the schema names (CoC codes, dates, date-times). Any
//! other keyword fails the check, so the schema cannot grow past what is verified.
use serde_json::Value;

/// Every way `doc` breaks `schema`, as `path: what`.
pub fn violations(schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, schema, doc, "$", &mut out);
    out
}

const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "minimum",
    "maxLength",
    "oneOf",
    "$ref",
    "pattern",
    "format",
];

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn check(root: &Value, schema: &Value, doc: &Value, path: &str, out: &mut Vec<String>) {
    let Some(rules) = schema.as_object() else {
        out.push(format!("{path}: the schema is not an object"));
        return;
    };
    for key in rules.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        out.push(format!("{path}: schema keyword {key} is not checked by this test"));
    }
    if let Some(reference) = rules.get("$ref").and_then(Value::as_str) {
        match reference.strip_prefix("#/$defs/").and_then(|name| root["$defs"].get(name)) {
            Some(target) => check(root, target, doc, path, out),
            None => out.push(format!("{path}: unknown $ref {reference}")),
        }
    }
    if let Some(types) = rules.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = type_of(doc);
        if !allowed.iter().any(|t| *t == actual || (*t == "number" && actual == "integer")) {
            out.push(format!("{path}: {actual}, expected {allowed:?}"));
            return;
        }
    }
    if let Some(expected) = rules.get("const")
        && expected != doc
    {
        out.push(format!("{path}: {doc}, expected {expected}"));
    }
    if let Some(options) = rules.get("enum").and_then(Value::as_array)
        && !options.contains(doc)
    {
        out.push(format!("{path}: {doc} is not one of {options:?}"));
    }
    if let Some(options) = rules.get("oneOf").and_then(Value::as_array) {
        let passing = options
            .iter()
            .filter(|option| {
                let mut sub = Vec::new();
                check(root, option, doc, path, &mut sub);
                sub.is_empty()
            })
            .count();
        if passing != 1 {
            out.push(format!("{path}: {passing} of the oneOf schemas match, expected exactly 1"));
        }
    }
    match doc {
        Value::Object(fields) => {
            let properties = rules.get("properties").and_then(Value::as_object);
            for name in rules.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                if !fields.contains_key(name) {
                    out.push(format!("{path}: {name} is missing"));
                }
            }
            for (name, value) in fields {
                match properties.and_then(|p| p.get(name)) {
                    Some(rule) => check(root, rule, value, &format!("{path}.{name}"), out),
                    None if rules.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        out.push(format!("{path}: {name} is not in the schema"))
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(min) = rules.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                out.push(format!("{path}: {} items, at least {min}", items.len()));
            }
            if let Some(rule) = rules.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(root, rule, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        Value::Number(n) => {
            if let (Some(min), Some(v)) = (rules.get("minimum").and_then(Value::as_f64), n.as_f64())
                && v < min
            {
                out.push(format!("{path}: {v} is below {min}"));
            }
        }
        Value::String(s) => {
            if let Some(max) = rules.get("maxLength").and_then(Value::as_u64)
                && s.chars().count() as u64 > max
            {
                out.push(format!("{path}: longer than {max} characters"));
            }
            let shaped =
                match (rules.get("pattern").and_then(Value::as_str), rules.get("format").and_then(Value::as_str)) {
                    (Some("^[A-Z]{2}-[0-9]{3}$"), _) => {
                        let b = s.as_bytes();
                        b.len() == 6
                            && b[..2].iter().all(u8::is_ascii_uppercase)
                            && b[2] == b'-'
                            && b[3..].iter().all(u8::is_ascii_digit)
                    }
                    (Some(other), _) => {
                        out.push(format!("{path}: pattern {other} is not checked by this test"));
                        true
                    }
                    (None, Some("date")) => is_date(s),
                    (None, Some("date-time")) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                    (None, Some(other)) => {
                        out.push(format!("{path}: format {other} is not checked by this test"));
                        true
                    }
                    (None, None) => true,
                };
            if !shaped {
                out.push(format!("{path}: {s:?} does not have the shape the schema names"));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn it_finds_what_breaks_a_schema() {
        let schema = json!({
            "type": "object", "required": ["a"], "additionalProperties": false,
            "properties": { "a": { "$ref": "#/$defs/code" }, "b": { "type": ["integer", "null"], "minimum": 0 } },
            "$defs": { "code": { "type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$" } }
        });
        assert!(violations(&schema, &json!({"a": "TX-503", "b": null})).is_empty());
        assert_eq!(violations(&schema, &json!({"b": -1, "c": 1})).len(), 3);
        assert_eq!(violations(&schema, &json!({"a": "tx-503"})).len(), 1);
        assert_eq!(violations(&json!({"type": "string", "uniqueItems": true}), &json!("x")).len(), 1);
    }
}
