//! `cognito-bridge`: parse, run, print the result or one error line, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.output.json;
    // Fails only when the OS refuses the runtime its timer and I/O driver: nothing a user
    // typed can cause it, and the CLI cannot run without it.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(cli::run(cli)) {
        Ok(output) => {
            output.print(json);
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", err.one_line());
            std::process::ExitCode::from(err.exit_code() as u8)
        }
    }
}
