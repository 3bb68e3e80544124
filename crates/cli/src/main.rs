//! `cognito-bridge`: parse, run, print the result or one error line, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.output.json;
    // Fails only when the OS refuses the runtime its timer and I/O driver (no file
    // descriptors left, say): one error line and a failing exit, never a panic.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
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
