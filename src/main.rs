//! The `warroom` binary: parse the command line, dispatch, turn errors into exit codes.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use warroom::cli::{Cli, Command};
use warroom::commands::{self, EXIT_UNKNOWN};

mod logging;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version are not errors; every usage error exits UNKNOWN (3), never 2,
            // which monitoring systems would read as CRITICAL.
            let code = if err.use_stderr() { EXIT_UNKNOWN } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };

    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("warroom: error: {err:#}");
            ExitCode::from(EXIT_UNKNOWN)
        }
    }
}

fn dispatch(cli: Cli) -> commands::Outcome {
    match cli.command {
        None => {
            let _guard = logging::init(cli.verbose);
            commands::dashboard::run(&cli.dashboard)
        }
        Some(Command::Demo(args)) => {
            let _guard = logging::init(cli.verbose);
            commands::demo::run(&args)
        }
        Some(Command::Check(args)) => commands::check::run(&args),
        Some(Command::Logs(args)) => commands::logs::run(&args),
        Some(Command::Export(args)) => commands::export::run(&args),
        Some(Command::Reconcile(args)) => commands::reconcile::run(&args),
        Some(Command::Init(args)) => commands::init::run(&args),
        Some(Command::Themes) => commands::themes::run(),
        Some(Command::Completions(args)) => {
            let mut command = Cli::command();
            clap_complete::generate(args.shell, &mut command, "warroom", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
