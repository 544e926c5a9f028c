//! Spin `parameter-value`s to tokio-postgres parameters.

use std::error::Error as StdError;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::ranges::{Bound, PgRange};
use crate::host::spin::postgres::postgres::{Error, Interval, ParameterValue};

pub type Param = Box<dyn ToSql + Sync + Send>;

/// SQL NULL for a parameter of any type.
#[derive(Debug)]
struct Null;

impl ToSql for Null {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        Ok(IsNull::Yes)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

/// JSON text sent as `json` or `jsonb` (which prefixes a version byte).
#[derive(Debug)]
struct Json(Vec<u8>);

impl ToSql for Json {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        if *ty == Type::JSONB {
            out.put_u8(1);
        }
        out.put_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON || *ty == Type::JSONB
    }
    to_sql_checked!();
}

#[derive(Debug)]
struct PgInterval(Interval);

impl ToSql for PgInterval {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.put_i64(self.0.micros);
        out.put_i32(self.0.days);
        out.put_i32(self.0.months);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
    to_sql_checked!();
}

fn bad(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::BadParameter(format!("{what}: {detail}"))
}

fn decimal(text: &str) -> Result<Decimal, Error> {
    Decimal::from_str(text).map_err(|e| bad("decimal", e))
}

fn decimal_bound(bound: Bound<String>) -> Result<Bound<Decimal>, Error> {
    bound
        .map(|(text, kind)| Ok((decimal(&text)?, kind)))
        .transpose()
}

fn date((y, m, d): (i32, u8, u8)) -> Result<NaiveDate, Error> {
    NaiveDate::from_ymd_opt(y, m.into(), d.into()).ok_or_else(|| bad("date", "out of range"))
}

fn time((h, m, s, ns): (u8, u8, u8, u32)) -> Result<NaiveTime, Error> {
    NaiveTime::from_hms_nano_opt(h.into(), m.into(), s.into(), ns)
        .ok_or_else(|| bad("time", "out of range"))
}

fn one(value: ParameterValue) -> Result<Param, Error> {
    Ok(match value {
        ParameterValue::Boolean(v) => Box::new(v),
        ParameterValue::Int8(v) => Box::new(v),
        ParameterValue::Int16(v) => Box::new(v),
        ParameterValue::Int32(v) => Box::new(v),
        ParameterValue::Int64(v) => Box::new(v),
        ParameterValue::Floating32(v) => Box::new(v),
        ParameterValue::Floating64(v) => Box::new(v),
        ParameterValue::Str(v) => Box::new(v),
        ParameterValue::Binary(v) => Box::new(v),
        ParameterValue::Date(v) => Box::new(date(v)?),
        ParameterValue::Time(v) => Box::new(time(v)?),
        ParameterValue::Datetime((y, mo, d, h, mi, s, ns)) => {
            Box::new(NaiveDateTime::new(date((y, mo, d))?, time((h, mi, s, ns))?))
        }
        ParameterValue::Timestamp(secs) => Box::new(
            DateTime::from_timestamp(secs, 0).ok_or_else(|| bad("timestamp", "out of range"))?,
        ),
        ParameterValue::Uuid(v) => Box::new(uuid::Uuid::parse_str(&v).map_err(|e| bad("uuid", e))?),
        ParameterValue::Jsonb(v) => Box::new(Json(v)),
        ParameterValue::Decimal(v) => Box::new(decimal(&v)?),
        ParameterValue::ArrayInt32(v) => Box::new(v),
        ParameterValue::ArrayInt64(v) => Box::new(v),
        ParameterValue::ArrayDecimal(v) => Box::new(
            v.iter()
                .map(|d| d.as_deref().map(decimal).transpose())
                .collect::<Result<Vec<_>, _>>()?,
        ),
        ParameterValue::ArrayStr(v) => Box::new(v),
        ParameterValue::Interval(v) => Box::new(PgInterval(v)),
        ParameterValue::DbNull => Box::new(Null),
        ParameterValue::RangeInt32((lower, upper)) => Box::new(PgRange { lower, upper }),
        ParameterValue::RangeInt64((lower, upper)) => Box::new(PgRange { lower, upper }),
        ParameterValue::RangeDecimal((lower, upper)) => Box::new(PgRange {
            lower: decimal_bound(lower)?,
            upper: decimal_bound(upper)?,
        }),
    })
}

/// Converts all parameters, failing with `bad-parameter` on the first that cannot be sent.
pub fn convert(values: Vec<ParameterValue>) -> Result<Vec<Param>, Error> {
    values.into_iter().map(one).collect()
}

pub fn as_refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}
