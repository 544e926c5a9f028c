//! `stack-tui up` on a checkout that has never been prepared: the preparation script chooses the
//! images (env/images.env) during this very `up`, and compose must get that choice. Without a
//! registry, passing only the env files that existed before would make compose pull upstream
//! images and fail. Runs on a scratch copy of the project with its own ports and project name.

mod reload_support;
mod stack_support;

use reload_support::Scratch;
use reload_support::scratch::main_target_dir;
use std::process::Command;

#[test]
fn up_on_a_fresh_checkout_uses_the_images_prepare_chose() {
    let scratch = Scratch::copy("local");
    // A fresh clone has no generated image choice yet.
    std::fs::remove_file(scratch.path("env/images.env")).expect("remove env/images.env");

    let output = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .args(["--root", &scratch.root.display().to_string()])
        .args(["--project-prefix", &scratch.prefix])
        .args(["--profile", "local", "up", "--detach"])
        .envs(scratch.env())
        .env("CARGO_TARGET_DIR", main_target_dir())
        .output()
        .expect("run stack-tui up");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stack-tui up failed ({}):\n{stderr}",
        output.status
    );
    assert!(
        scratch.path("env/images.env").is_file(),
        "prepare wrote the image choice"
    );

    let ids = scratch.container_ids();
    assert_eq!(ids.len(), 4, "nginx, app, redis and postgres run");
    let images = Command::new("docker")
        .args(["inspect", "--format", "{{.Config.Image}}"])
        .args(&ids)
        .output()
        .expect("docker inspect");
    let images = String::from_utf8_lossy(&images.stdout);
    let registry_answers = std::fs::read_to_string(scratch.path("env/images.env"))
        .is_ok_and(|text| text.contains("STACK_IMAGE_SOURCE=upstream"));
    if !registry_answers {
        assert_eq!(
            images
                .lines()
                .filter(|image| image.contains("standin"))
                .count(),
            3,
            "the three server images are the stand-ins prepare chose:\n{images}"
        );
    }
}
