//! Fault drills without the I/O: the catalogue (one table), the figures a client load reduces
//! to, the pass/fail evaluation and the reports. stack-tui's `drill` module injects the faults
//! and runs the load.

pub mod attack;
pub mod catalogue;
pub mod counter;
pub mod evaluate;
pub mod figures;
pub mod report;

pub use attack::{Attack, AttackExpectation, AttackFigures};
pub use catalogue::{DRILLS, Drill, Expectation, Fault, Heal, Workload, find};
pub use counter::{CounterLoss, counter_loss};
pub use evaluate::{Check, Observed, RefusalSeen, Writes, evaluate, passed};
pub use figures::{Figures, Marks, Outcome, Sample, figures};
pub use report::{DrillReport, Round, RunReport, render_list, render_text};
