// Command recheck is the service and its tools, one binary: the roles
// (serve, intake, worker), the offline commands (standardize, faces,
// match, sheet, calibrate, eval-pairs), the operators' commands
// (reprocess, export, reindex, rotate-key, call, healthcheck, config) and
// the simulators (ctid-sim, wechat-sim, callback-sink). This package holds
// the commands' wiring only: flags, configuration (internal/settings) and
// the packages that do the work.
package main
