//! The prod export, pinned: any change to what the folder holds shows up as a snapshot diff
//! (`cargo insta review`). Secrets are placeholders, so the snapshot holds no secret.

use super::support;

#[test]
fn prod_export_matches_the_golden_folder() {
    let files = support::prod_export();
    let mut folder = String::new();
    for (name, bytes) in files {
        folder.push_str(&format!("===== {name} =====\n"));
        folder.push_str(&support::text(bytes));
        if !folder.ends_with('\n') {
            folder.push('\n');
        }
    }
    insta::assert_snapshot!("prod_export", folder);
}
