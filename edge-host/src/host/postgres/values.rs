//! Postgres rows to Spin `db-value`s: decimal as a base-10 string, dates and times as tuples,
//! json/jsonb as the JSON text's bytes, ranges as
//! optional bounds, NULL as `db-null`, anything else as its raw wire bytes.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type};

use super::ranges::{Bound, RangeValue};
use crate::host::spin::postgres::postgres::{Column, DbDataType, DbValue, Error, Interval, RowSet};

/// Any value as the bytes Postgres sent (binary format).
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

pub fn data_type(ty: &Type) -> DbDataType {
    match *ty {
        Type::BOOL => DbDataType::Boolean,
        Type::CHAR => DbDataType::Int8,
        Type::INT2 => DbDataType::Int16,
        Type::INT4 => DbDataType::Int32,
        Type::INT8 => DbDataType::Int64,
        Type::FLOAT4 => DbDataType::Floating32,
        Type::FLOAT8 => DbDataType::Floating64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => DbDataType::Str,
        Type::BYTEA => DbDataType::Binary,
        Type::DATE => DbDataType::Date,
        Type::TIME => DbDataType::Time,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => DbDataType::Datetime,
        Type::UUID => DbDataType::Uuid,
        Type::JSON | Type::JSONB => DbDataType::Jsonb,
        Type::NUMERIC => DbDataType::Decimal,
        Type::INT4_ARRAY => DbDataType::ArrayInt32,
        Type::INT8_ARRAY => DbDataType::ArrayInt64,
        Type::NUMERIC_ARRAY => DbDataType::ArrayDecimal,
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY => DbDataType::ArrayStr,
        Type::INTERVAL => DbDataType::Interval,
        Type::INT4_RANGE => DbDataType::RangeInt32,
        Type::INT8_RANGE => DbDataType::RangeInt64,
        Type::NUM_RANGE => DbDataType::RangeDecimal,
        _ => DbDataType::Other(ty.name().to_string()),
    }
}

fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<Option<T>, Error> {
    row.try_get::<_, Option<T>>(i).map_err(|e| {
        let name = row.columns().get(i).map_or("?", |c| c.name());
        Error::ValueConversionFailed(format!("column {name}: {e}"))
    })
}

fn map<'a, T: FromSql<'a>>(
    row: &'a Row,
    i: usize,
    f: impl FnOnce(T) -> DbValue,
) -> Result<DbValue, Error> {
    Ok(get::<T>(row, i)?.map_or(DbValue::DbNull, f))
}

fn date(d: NaiveDate) -> (i32, u8, u8) {
    (d.year(), d.month() as u8, d.day() as u8)
}

fn time(t: NaiveTime) -> (u8, u8, u8, u32) {
    (
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    )
}

fn datetime(dt: NaiveDateTime) -> DbValue {
    let (y, mo, d) = date(dt.date());
    let (h, mi, s, ns) = time(dt.time());
    DbValue::Datetime((y, mo, d, h, mi, s, ns))
}

fn interval(raw: &[u8]) -> Result<DbValue, Error> {
    let bad = || Error::ValueConversionFailed("interval is not 16 bytes".to_string());
    let micros = raw
        .get(0..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let days = raw
        .get(8..12)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let months = raw
        .get(12..16)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    Ok(DbValue::Interval(Interval {
        micros: i64::from_be_bytes(micros),
        days: i32::from_be_bytes(days),
        months: i32::from_be_bytes(months),
    }))
}

fn value(row: &Row, i: usize, ty: &Type) -> Result<DbValue, Error> {
    match *ty {
        Type::BOOL => map(row, i, DbValue::Boolean),
        Type::CHAR => map(row, i, DbValue::Int8),
        Type::INT2 => map(row, i, DbValue::Int16),
        Type::INT4 => map(row, i, DbValue::Int32),
        Type::INT8 => map(row, i, DbValue::Int64),
        Type::FLOAT4 => map(row, i, DbValue::Floating32),
        Type::FLOAT8 => map(row, i, DbValue::Floating64),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            map(row, i, DbValue::Str)
        }
        Type::BYTEA => map(row, i, DbValue::Binary),
        Type::DATE => map(row, i, |d: NaiveDate| DbValue::Date(date(d))),
        Type::TIME => map(row, i, |t: NaiveTime| DbValue::Time(time(t))),
        Type::TIMESTAMP => map(row, i, datetime),
        Type::TIMESTAMPTZ => map(row, i, |t: DateTime<Utc>| datetime(t.naive_utc())),
        Type::UUID => map(row, i, |u: uuid::Uuid| DbValue::Uuid(u.to_string())),
        Type::JSON => map(row, i, |r: Raw| DbValue::Jsonb(r.0)),
        // jsonb's binary format is a version byte followed by the JSON text.
        Type::JSONB => map(row, i, |r: Raw| {
            DbValue::Jsonb(r.0.get(1..).map(<[u8]>::to_vec).unwrap_or_default())
        }),
        Type::NUMERIC => map(row, i, |d: Decimal| DbValue::Decimal(d.to_string())),
        Type::INT4_ARRAY => map(row, i, DbValue::ArrayInt32),
        Type::INT8_ARRAY => map(row, i, DbValue::ArrayInt64),
        Type::NUMERIC_ARRAY => map(row, i, |v: Vec<Option<Decimal>>| {
            DbValue::ArrayDecimal(v.into_iter().map(|d| d.map(|d| d.to_string())).collect())
        }),
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY => map(row, i, DbValue::ArrayStr),
        Type::INTERVAL => match get::<Raw>(row, i)? {
            Some(r) => interval(&r.0),
            None => Ok(DbValue::DbNull),
        },
        Type::INT4_RANGE => map(row, i, |RangeValue(l, u): RangeValue<i32>| {
            DbValue::RangeInt32((l, u))
        }),
        Type::INT8_RANGE => map(row, i, |RangeValue(l, u): RangeValue<i64>| {
            DbValue::RangeInt64((l, u))
        }),
        Type::NUM_RANGE => map(row, i, |RangeValue(l, u): RangeValue<Decimal>| {
            let text = |b: Bound<Decimal>| b.map(|(d, kind)| (d.to_string(), kind));
            DbValue::RangeDecimal((text(l), text(u)))
        }),
        _ => map(row, i, |r: Raw| DbValue::Unsupported(r.0)),
    }
}

/// Converts a query result; `columns` come from the prepared statement so empty results keep them.
pub fn row_set(columns: &[tokio_postgres::Column], rows: &[Row]) -> Result<RowSet, Error> {
    let columns_out = columns
        .iter()
        .map(|c| Column {
            name: c.name().to_string(),
            data_type: data_type(c.type_()),
        })
        .collect();
    let mut rows_out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            values.push(value(row, i, col.type_())?);
        }
        rows_out.push(values);
    }
    Ok(RowSet {
        columns: columns_out,
        rows: rows_out,
    })
}
