// The driver side of a run: start `heapreplay __run` in a fresh process with
// the allocator's library preloaded, enforce a time limit, and turn whatever
// happens (a result, a crash, a hang, an error message) into a RunResult.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "allocators/system/system_allocator.h"
#include "harness/process/child.h"
#include "reports/run_result.h"

namespace heapreplay {

struct SpawnOptions {
  std::string self_exe;                       // the heapreplay binary to run as the child
  std::string preload;                        // library for LD_PRELOAD ("" for none)
  std::vector<EnvSetting> allocator_env;      // the spec's settings (allocator_environment)
  bool inherit_env = false;                   // keep inherited allocator variables (allocator_env.h)
  std::chrono::milliseconds timeout{600000};  // wall-clock limit of the whole child
};

// Never throws for anything the child does; the returned result's status is
// ok, failed (with the reason), crashed (with the signal), timeout, or
// interrupted: SIGINT/SIGTERM reached heapreplay under an InterruptWatch
// (interrupt.h) while the run was going, and the child was killed.
RunResult run_in_child(const ChildRequest& request, const SpawnOptions& options);

// Path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace heapreplay
