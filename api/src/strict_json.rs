//! Reading a JSON value into a typed body as JSON Schema reads it, where
//! serde_json is more lenient in two ways:
//!
//! - a struct is read only from an object: serde would also take an array
//!   of its fields in declaration order (`"reporter": [null, null]`);
//! - a whole number is an integer however it is written (`3.0`, `1e3`), so
//!   it fills an integer field, which serde refuses.
//!
//! And text read into a field may not hold NUL (U+0000), which PostgreSQL
//! text cannot store; the OpenAPI document says so on every string of a
//! request body (see `openapi::finish`).

use serde::de::value::StringDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Error, Map, Value};

/// Reads `value` into `T`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(Strict::new(value))
}

/// A JSON value read strictly; wrap it with [`Strict::new`].
pub struct Strict(Value);

impl Strict {
    pub fn new(mut value: Value) -> Strict {
        integers_as_integers(&mut value);
        Strict(value)
    }
}

/// Rewrites every whole number written with a fraction or an exponent as an
/// integer, where it fits in 64 bits.
fn integers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let whole = n.as_f64().filter(|f| {
                f.fract() == 0.0
                    && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(f)
            });
            if let Some(f) = whole {
                *n = (f as i64).into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (None, Some(i), _) => Unexpected::Signed(i),
            (_, _, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = Elements(items.into_iter());
    let value = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    fields: Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut map = Fields {
        fields: fields.into_iter(),
        value: None,
    };
    visitor.visit_map(&mut map)
}

macro_rules! lenient {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(fields) => visit_object(fields, visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(fields) => visit_object(fields, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    /// Only from an object.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(variant))
            }
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    /// Text without NUL.
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) if text.contains('\0') => {
                Err(de::Error::custom("must not contain NUL (U+0000)"))
            }
            other => other.deserialize_string(visitor),
        }
    }

    lenient! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_identifier deserialize_ignored_any
    }
}

struct Elements(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Elements {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Strict(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    fields: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.fields.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: StringDeserializer<Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::HashMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Point {
        lat: Option<f64>,
        lon: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Sentra,
        Balai,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        n: i32,
        at: f64,
        items: Vec<i64>,
        #[serde(default)]
        point: Option<Point>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        extra: HashMap<String, String>,
    }

    #[test]
    fn whole_numbers_with_a_fraction_fill_integer_fields() {
        let body: Body = from_value(json!({"n": -39366.0, "at": 2.0, "items": [1e3, 4]}))
            .expect("whole numbers");
        assert_eq!((body.n, body.at, body.items), (-39366, 2.0, vec![1000, 4]));
        for n in [json!(1.5), json!(1e300), json!(3_000_000_000i64)] {
            let refused = from_value::<Body>(json!({"n": n, "at": 0, "items": []}));
            assert!(refused.is_err(), "{n}");
        }
    }

    #[test]
    fn a_struct_is_read_from_an_object_only() {
        let body: Body = from_value(json!({
            "n": 1, "at": 0.5, "items": [], "point": {"lat": -0.69}, "kind": "balai",
            "extra": {"a": "b"}
        }))
        .expect("objects");
        assert_eq!(
            body.point,
            Some(Point {
                lat: Some(-0.69),
                lon: None
            })
        );
        assert_eq!(body.kind, Some(Kind::Balai));
        let sentra: Body =
            from_value(json!({"n": 1, "at": 0, "items": [], "kind": "sentra"})).expect("a kind");
        assert_eq!(sentra.kind, Some(Kind::Sentra));
        assert_eq!(body.extra.get("a").map(String::as_str), Some("b"));
        for point in [json!([null, null]), json!([]), json!([1.0, 2.0])] {
            let refused = from_value::<Body>(json!({"n": 1, "at": 0, "items": [], "point": point}));
            assert!(refused.is_err(), "{point}");
        }
        assert!(from_value::<Body>(json!([1, 0.5, []])).is_err());
        assert!(from_value::<Body>(json!({"n": 1, "at": 0, "items": [], "kind": "loka"})).is_err());
        assert!(from_value::<Body>(json!({"n": 1, "at": 0, "items": {}})).is_err());
    }

    #[test]
    fn text_fields_refuse_nul_and_ignored_fields_do_not_matter() {
        #[derive(Debug, Deserialize)]
        struct Note {
            note: String,
            tags: Vec<String>,
        }
        let note: Note = from_value(json!({"note": "ok", "tags": ["a"], "other": "x\0"}))
            .expect("an ignored field may hold anything");
        assert_eq!((note.note.as_str(), note.tags.len()), ("ok", 1));
        for body in [
            json!({"note": "a\0b", "tags": []}),
            json!({"note": "ok", "tags": ["\0"]}),
        ] {
            let refused = from_value::<Note>(body.clone()).expect_err("NUL");
            assert!(refused.to_string().contains("NUL"), "{body}");
        }
    }
}
