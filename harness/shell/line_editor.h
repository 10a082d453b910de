// LineEditorInput: terminal input through libedit (BSD-licensed editline):
// a prompt, line editing (emacs keys, or what ~/.editrc says) and history
// within the session (up/down arrows, Ctrl-R). Used only when stdin is a
// terminal; scripts and pipes are read with FdInput and see no prompt.
#pragma once

#include <functional>
#include <string>

#include "harness/shell/input.h"

// libedit's handles, kept out of this header.
struct editline;
struct history;

namespace heapreplay::shell {

class LineEditorInput : public InputSource {
 public:
  // `prompt` is asked for the prompt text before each line is read (so a
  // shell can show that a command is still incomplete). Throws
  // std::runtime_error if libedit cannot be set up on this terminal.
  LineEditorInput(const char* program, std::function<std::string()> prompt);
  ~LineEditorInput() override;
  LineEditorInput(const LineEditorInput&) = delete;
  LineEditorInput& operator=(const LineEditorInput&) = delete;

  // One line as typed, with its '\n' (the last one at Ctrl-D may lack it); a
  // line longer than `capacity` is handed out over several calls. Lines that
  // are not blank are added to the history.
  std::size_t read(char* buf, std::size_t capacity) override;

 private:
  static char* prompt_callback(editline* el);

  editline* el_ = nullptr;
  history* hist_ = nullptr;
  std::function<std::string()> prompt_;
  std::string prompt_text_;  // what prompt_callback returned last (libedit keeps the pointer)
  std::string pending_;      // the rest of a line longer than the caller's buffer
  std::size_t pending_pos_ = 0;
};

}  // namespace heapreplay::shell
