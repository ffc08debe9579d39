// Command recheck is the service and its tools, one binary whose first
// argument is the role or tool (docs/cli.md has each one's flags):
//
//	serve, intake, worker      the roles: everything in one process (make
//	                           dev), the intake API only, the workers only
//	standardize, faces, match  one photo offline: standardize it, list its
//	                           faces, compare it with another
//	sheet, calibrate,          contact sheets, score calibration and pair
//	eval-pairs                 evaluation over labelled photos
//	reprocess, export,         operators': batches by school, the CHSI
//	reindex, rotate-key        export, rebuilding Redis from storage,
//	                           resealing with a new data key
//	call, healthcheck, load    one signed request, the container health
//	                           probe, the load generator
//	dev-init, hash-password,   credentials: development ones (make dev),
//	new-token, config          bcrypt hashes, API tokens, every setting
//	ctid-sim, wechat-sim,      simulators of CTID, WeChat and a school's
//	callback-sink              callback receiver
//
// Settings come from RECHECK_* environment variables, mirrored by flags
// (internal/settings). This package holds the commands' wiring only; the
// packages it imports do the work.
package main
