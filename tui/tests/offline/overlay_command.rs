//! `:up --with monitoring` in the dashboard asks for the profile's up with the overlay turned
//! on, as `stack-tui up --with monitoring` does; plain `:up` asks for none, and read-only mode
//! refuses both.

use crate::app_reload::command_line;
use crate::common::*;
use stack_core::app::{ComposeOp, Effect};

fn ups(effects: &[Effect]) -> Vec<(String, ComposeOp)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Compose { profile, op, .. } => Some((profile.clone(), op.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn up_with_an_overlay_is_asked_of_the_current_profile() {
    let mut state = healthy_state();
    let effects = command_line(&mut state, "up --with monitoring");
    assert_eq!(
        ups(&effects),
        [(
            "local".to_string(),
            ComposeOp::Up {
                with: vec!["monitoring".into()]
            }
        )]
    );
    let effects = command_line(&mut state, "up");
    assert_eq!(
        ups(&effects),
        [("local".to_string(), ComposeOp::Up { with: Vec::new() })]
    );

    let mut readonly = healthy_state();
    readonly.readonly = true;
    assert!(ups(&command_line(&mut readonly, "up --with monitoring")).is_empty());
}
