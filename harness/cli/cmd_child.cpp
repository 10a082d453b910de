// heapreplay __run: the hidden subcommand each measured run executes in its
// own process (started by harness/process/spawn.cpp, never by users).
#include "harness/cli/cli.h"
#include "harness/process/child.h"

namespace heapreplay::cli {

int cmd_child(const std::vector<std::string>& args) {
  ChildRequest req;
  po::options_description d("Child options");
  d.add_options()("trace", po::value(&req.trace_path)->required(), "")(
      "allocator", po::value(&req.allocator)->required(), "")("touch", po::value(&req.touch), "")("validate", "")(
      "result-fd", po::value(&req.result_fd)->default_value(3), "")(
      "memory-limit", po::value(&req.memory_limit_bytes)->default_value(0), "")(
      "sample-every", po::value(&req.sample_every)->default_value(kAutomatic), "")(
      "latency-every", po::value(&req.latency_every)->default_value(kAutomatic), "")("serial", "")(
      "pace", po::value(&req.pace)->default_value("fast"), "")("malloc-alignment",
                                                               po::value(&req.malloc_alignment)->default_value(1), "")(
      "window-events", po::value(&req.window_events)->default_value(0), "");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("__run", args, d, pos, vm, "(internal)")) return kExitOk;
  req.validate = vm.count("validate") > 0;
  req.serial = vm.count("serial") > 0;
  return run_child(req);
}

}  // namespace heapreplay::cli
