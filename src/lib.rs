pub mod cli;
pub mod microversion;
