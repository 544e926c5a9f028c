use std::collections::VecDeque;

use spin_sdk::pg4::{DbError, DbValue, ParameterValue, PgError, QueryError, RowSet};

use super::*;
use crate::deps::FailureKind;

/// Records every call and answers from a queue.
#[derive(Default)]
struct ScriptedClient {
    calls: Vec<(String, Vec<ParameterValue>)>,
    answers: VecDeque<Result<Vec<Vec<DbValue>>, PgError>>,
    affected: u64,
}

impl SqlClient for ScriptedClient {
    fn query(&mut self, statement: &str, params: &[ParameterValue]) -> Result<RowSet, PgError> {
        self.calls.push((statement.to_owned(), params.to_vec()));
        let rows = self.answers.pop_front().unwrap_or(Ok(Vec::new()))?;
        Ok(RowSet {
            columns: Vec::new(),
            rows,
        })
    }

    fn execute(&mut self, statement: &str, params: &[ParameterValue]) -> Result<u64, PgError> {
        self.calls.push((statement.to_owned(), params.to_vec()));
        Ok(self.affected)
    }
}

fn store_answering(
    answers: Vec<Result<Vec<Vec<DbValue>>, PgError>>,
) -> PgItemStore<ScriptedClient> {
    PgItemStore::new(ScriptedClient {
        answers: answers.into(),
        ..ScriptedClient::default()
    })
}

fn item_row(id: i64, name: &str, description: Option<&str>) -> Vec<DbValue> {
    vec![
        DbValue::Int64(id),
        DbValue::Str(name.to_owned()),
        description.map_or(DbValue::DbNull, |d| DbValue::Str(d.to_owned())),
        DbValue::Str("2025-01-01T00:00:00.000000Z".to_owned()),
        DbValue::Str("2025-01-02T00:00:00.000000Z".to_owned()),
    ]
}

/// `ParameterValue` has no `PartialEq`; its debug form is precise enough.
fn debug<T: std::fmt::Debug + ?Sized>(value: &T) -> String {
    format!("{value:?}")
}

fn db_error(code: &str) -> PgError {
    PgError::QueryFailed(QueryError::DbError(DbError {
        as_text: format!("db error {code}"),
        severity: "ERROR".to_owned(),
        code: code.to_owned(),
        message: "boom".to_owned(),
        detail: None,
        extras: Vec::new(),
    }))
}

#[test]
fn patterns_escape_like_metacharacters() {
    let cases = [
        ("tea", "%tea%"),
        ("50%", r"%50\%%"),
        ("a_b", r"%a\_b%"),
        (r"back\slash", r"%back\\slash%"),
        ("'; DROP TABLE items; --", "%'; DROP TABLE items; --%"),
    ];
    for (term, pattern) in cases {
        assert_eq!(contains_pattern(term), pattern, "{term}");
    }
}

#[test]
fn statements_use_placeholders_only() {
    for statement in [
        COUNT_MATCHING,
        LIST_ALL,
        LIST_MATCHING,
        GET,
        INSERT,
        UPDATE,
        DELETE,
    ] {
        assert!(statement.contains("$1"), "{statement}");
        assert!(!statement.contains("{}"), "{statement}");
    }
}

#[test]
fn list_with_search_passes_pattern_as_parameter() {
    let mut store = store_answering(vec![Ok(vec![item_row(1, "Tea 50%", None)])]);
    let items = store.list(Some(r"%50\%%"), 10, 20).expect("list");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].name, "Tea 50%");
    let (statement, params) = &store.client.calls[0];
    assert_eq!(statement, LIST_MATCHING);
    let expected = [
        ParameterValue::Str(r"%50\%%".to_owned()),
        ParameterValue::Int64(10),
        ParameterValue::Int64(20),
    ];
    assert_eq!(debug(params), debug(&expected));
}

#[test]
fn count_decodes_bigint() {
    let mut store = store_answering(vec![Ok(vec![vec![DbValue::Int64(7)]])]);
    assert_eq!(store.count(None).expect("count"), 7);
    assert_eq!(store.client.calls[0].0, COUNT_ALL);

    let mut wrong = store_answering(vec![Ok(vec![vec![DbValue::Str("7".to_owned())]])]);
    let err = wrong.count(Some("%x%")).expect_err("wrong type");
    assert_eq!(err.kind, FailureKind::Rejected);
}

#[test]
fn insert_sends_null_for_missing_description() {
    let mut store = store_answering(vec![Ok(vec![item_row(3, "x", None)])]);
    let input = ItemInput {
        name: "x".to_owned(),
        description: None,
    };
    let item = store.insert(&input).expect("insert");
    assert_eq!(item.id, 3);
    assert_eq!(item.description, None);
    assert_eq!(
        debug(&store.client.calls[0].1[1]),
        debug(&ParameterValue::DbNull)
    );
}

#[test]
fn update_and_get_report_missing_rows_as_none() {
    let mut store = store_answering(vec![Ok(Vec::new()), Ok(Vec::new())]);
    let input = ItemInput {
        name: "x".to_owned(),
        description: Some("d".to_owned()),
    };
    assert_eq!(store.update(9, &input).expect("update"), None);
    assert_eq!(store.get(9).expect("get"), None);
    assert_eq!(
        debug(&store.client.calls[0].1[0]),
        debug(&ParameterValue::Int64(9))
    );
}

#[test]
fn delete_reports_whether_a_row_went() {
    let mut store = store_answering(Vec::new());
    assert!(!store.delete(1).expect("delete"));
    store.client.affected = 1;
    assert!(store.delete(1).expect("delete"));
}

#[test]
fn errors_are_classified() {
    let cases = [
        (
            PgError::ConnectionFailed("refused".to_owned()),
            FailureKind::Unavailable,
        ),
        (
            PgError::QueryFailed(QueryError::Text("connection closed".to_owned())),
            FailureKind::Unavailable,
        ),
        (
            PgError::Other("pool timed out".to_owned()),
            FailureKind::Unavailable,
        ),
        (db_error("08006"), FailureKind::Unavailable),
        (db_error("57P01"), FailureKind::Unavailable),
        (db_error("53300"), FailureKind::Overloaded),
        (db_error("53200"), FailureKind::Unavailable),
        (db_error("42P01"), FailureKind::Rejected),
        (db_error("22021"), FailureKind::Rejected),
        (PgError::BadParameter("x".to_owned()), FailureKind::Rejected),
        (
            PgError::ValueConversionFailed("x".to_owned()),
            FailureKind::Rejected,
        ),
    ];
    for (err, kind) in cases {
        let text = format!("{err:?}");
        let classified = classify(err);
        assert_eq!(classified.kind, kind, "{text}");
        assert_eq!(classified.dependency, Dependency::Postgres);
    }
}

#[test]
fn malformed_rows_are_rejected_not_panics() {
    let mut store = store_answering(vec![Ok(vec![vec![DbValue::Int64(1)]])]);
    assert_eq!(
        store.get(1).expect_err("short row").kind,
        FailureKind::Rejected
    );
}
