//! int4range, int8range and numrange in both directions.
//!
//! A WIT range is a pair of optional `(value, bound-kind)` bounds, `none` meaning unbounded. An
//! empty Postgres range has no bounds to report, so it comes back as `(0, exclusive)` twice, which
//! Postgres reads back as empty again.

use std::error::Error as StdError;

use bytes::BytesMut;
use postgres_protocol::types::{Range, RangeBound, range_from_sql, range_to_sql};
use tokio_postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::host::spin::postgres::postgres::RangeBoundKind;

type BoxError = Box<dyn StdError + Sync + Send>;

/// One side of a range as the guest sees it.
pub type Bound<T> = Option<(T, RangeBoundKind)>;

/// A range parameter; `T` is the element type (i32, i64 or Decimal).
#[derive(Debug)]
pub struct PgRange<T> {
    pub lower: Bound<T>,
    pub upper: Bound<T>,
}

/// The element type of a range type, e.g. INT4 for int4range.
fn element(ty: &Type) -> Result<&Type, BoxError> {
    match ty.kind() {
        Kind::Range(inner) => Ok(inner),
        _ => Err(format!("{} is not a range type", ty.name()).into()),
    }
}

fn write_bound<T: ToSql>(
    bound: &Bound<T>,
    elem: &Type,
    buf: &mut BytesMut,
) -> Result<RangeBound<postgres_protocol::IsNull>, BoxError> {
    let Some((value, kind)) = bound else {
        return Ok(RangeBound::Unbounded);
    };
    // postgres-protocol has its own IsNull, distinct from the one ToSql returns.
    let is_null = match value.to_sql(elem, buf)? {
        IsNull::Yes => postgres_protocol::IsNull::Yes,
        IsNull::No => postgres_protocol::IsNull::No,
    };
    Ok(match kind {
        RangeBoundKind::Inclusive => RangeBound::Inclusive(is_null),
        RangeBoundKind::Exclusive => RangeBound::Exclusive(is_null),
    })
}

impl<T: ToSql> ToSql for PgRange<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let elem = element(ty)?;
        range_to_sql(
            |buf| write_bound(&self.lower, elem, buf),
            |buf| write_bound(&self.upper, elem, buf),
            out,
        )?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Range(inner) if T::accepts(inner))
    }

    to_sql_checked!();
}

/// A range read from a row: `(lower, upper)` as the WIT tuple.
pub struct RangeValue<T>(pub Bound<T>, pub Bound<T>);

fn read_bound<'a, T: FromSql<'a>>(
    bound: RangeBound<Option<&'a [u8]>>,
    elem: &Type,
) -> Result<Bound<T>, BoxError> {
    let (raw, kind) = match bound {
        RangeBound::Unbounded => return Ok(None),
        RangeBound::Inclusive(raw) => (raw, RangeBoundKind::Inclusive),
        RangeBound::Exclusive(raw) => (raw, RangeBoundKind::Exclusive),
    };
    let raw = raw.ok_or("range bound is NULL")?;
    Ok(Some((T::from_sql(elem, raw)?, kind)))
}

impl<'a, T: FromSql<'a> + Default> FromSql<'a> for RangeValue<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let elem = element(ty)?;
        match range_from_sql(raw)? {
            Range::Empty => Ok(RangeValue(
                Some((T::default(), RangeBoundKind::Exclusive)),
                Some((T::default(), RangeBoundKind::Exclusive)),
            )),
            Range::Nonempty(lower, upper) => Ok(RangeValue(
                read_bound(lower, elem)?,
                read_bound(upper, elem)?,
            )),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Range(inner) if T::accepts(inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn round_trip<T>(range: PgRange<T>, ty: &Type) -> (Bound<T>, Bound<T>)
    where
        T: ToSql + for<'a> FromSql<'a> + Default,
    {
        let mut buf = BytesMut::new();
        range.to_sql_checked(ty, &mut buf).expect("encodes");
        let RangeValue(lower, upper) = RangeValue::<T>::from_sql(ty, &buf).expect("decodes");
        (lower, upper)
    }

    #[test]
    fn int4_bounds_keep_their_kinds() {
        let got = round_trip(
            PgRange {
                lower: Some((30, RangeBoundKind::Exclusive)),
                upper: Some((41, RangeBoundKind::Inclusive)),
            },
            &Type::INT4_RANGE,
        );
        assert_eq!(
            got,
            (
                Some((30, RangeBoundKind::Exclusive)),
                Some((41, RangeBoundKind::Inclusive))
            )
        );
    }

    #[test]
    fn int8_unbounded_side_is_none() {
        let got = round_trip(
            PgRange::<i64> {
                lower: Some((123_123_123_123, RangeBoundKind::Inclusive)),
                upper: None,
            },
            &Type::INT8_RANGE,
        );
        assert_eq!(
            got,
            (Some((123_123_123_123, RangeBoundKind::Inclusive)), None)
        );
    }

    #[test]
    fn numrange_keeps_decimal_digits() {
        let lower: Decimal = "1234.56".parse().expect("decimal");
        let upper: Decimal = "456789012345.789123".parse().expect("decimal");
        let got = round_trip(
            PgRange {
                lower: Some((lower, RangeBoundKind::Exclusive)),
                upper: Some((upper, RangeBoundKind::Inclusive)),
            },
            &Type::NUM_RANGE,
        );
        let (l, u) = (got.0.expect("lower"), got.1.expect("upper"));
        assert_eq!(l.0.to_string(), "1234.56");
        assert_eq!(u.0.to_string(), "456789012345.789123");
    }

    #[test]
    fn wrong_element_type_is_refused_not_encoded() {
        let range = PgRange::<i32> {
            lower: None,
            upper: None,
        };
        let mut buf = BytesMut::new();
        assert!(range.to_sql_checked(&Type::INT8_RANGE, &mut buf).is_err());
        assert!(range.to_sql_checked(&Type::INT4, &mut buf).is_err());
    }

    #[test]
    fn empty_range_reads_as_zero_exclusive_twice() {
        let RangeValue(lower, upper) =
            RangeValue::<i32>::from_sql(&Type::INT4_RANGE, &[0x01]).expect("empty");
        assert_eq!(lower, Some((0, RangeBoundKind::Exclusive)));
        assert_eq!(upper, Some((0, RangeBoundKind::Exclusive)));
    }
}
