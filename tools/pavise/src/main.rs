//! `pavise`: see `docs/cli.md` and `pavise --help`.

fn main() -> std::process::ExitCode {
    pavise::cli::main()
}
