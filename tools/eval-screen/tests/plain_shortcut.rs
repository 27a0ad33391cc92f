//! The shortcuts (the plain shortcut, the detectors' prechecks) are sound on real data: every
//! row of the corpora (`$PAVISE_CORPORA`, by default `../shared/corpora` next to the repository,
//! and the generated benign set, `target/benign/` from `make benign-corpus`) gets the same
//! screening decisions with the shortcuts on and off. Runs `pavise-eval-screen --check-shortcut`, which loads the corpora
//! as the evaluation does. Missing corpora fail the test: they are part of what `make test`
//! checks, not an optional extra.

// A test: a failure is a panic with the tool's report.
#![allow(clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn plain_shortcut_changes_no_decision_on_the_corpora() {
    check_shortcut_at(1);
}

/// The paranoia-2 rules have prechecks of their own.
#[test]
fn plain_shortcut_changes_no_decision_on_the_corpora_at_paranoia_2() {
    check_shortcut_at(2);
}

fn check_shortcut_at(paranoia: u8) {
    let out = Command::new(env!("CARGO_BIN_EXE_pavise-eval-screen"))
        .args(["--check-shortcut", "--paranoia", &paranoia.to_string()])
        .output()
        .expect("pavise-eval-screen runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => assert!(stdout.contains("the same decisions on all"), "{stdout}"),
        Some(1) => panic!("a shortcut skips values a detector flags:\n{stderr}"),
        _ => panic!(
            "no corpora to check (set PAVISE_CORPORA to the directory of the *.jsonl corpora, \
             default ../shared/corpora next to the repository; `make benign-corpus` for target/benign/):\n{stderr}"
        ),
    }
}
