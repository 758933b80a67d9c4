// The demo's story (docs/demo.md): three simulated weeks of a project, as a
// timeline of steps, each a call into the command sets (domain/
// command_handler.h) at a simulated time. Building the timeline touches
// nothing; running it in time order appends the events, each stamped by the
// DemoClock at its step's time, so a seed always gives the same ledger.
//
// Thread-safety: DemoClock may be read from any thread; a Story is built
// and run on one thread.
//
//   DemoClock clock;
//   Story story = TellStory(plan, handler.get(), &adjudication);
//   for (const Step& s : story.steps) { clock.Set(s.at_us); s.run(); }
#ifndef CONSILIUM_TOOLS_DEMO_STORY_H_
#define CONSILIUM_TOOLS_DEMO_STORY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adjudication/commands.h"
#include "common/clock.h"
#include "common/status.h"
#include "domain/command_handler.h"
#include "tools/demo/plan.h"

namespace consilium::cli::demo {

// Simulated time while set; the real clock after UseRealTime().
class DemoClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    int64_t t = now_.load();
    return t != 0 ? t : SystemClock()->NowMicros();
  }
  void Set(int64_t micros) { now_ = micros; }
  void UseRealTime() { now_ = 0; }

 private:
  std::atomic<int64_t> now_{0};
};

// 2026-03-02T00:00:00Z, a Monday: the first day of the simulated project.
inline constexpr int64_t kDemoStartUs = int64_t{1772409600} * 1'000'000;

// The project, its people and its access roles.
inline constexpr char kDemoProject[] = "dyspnoea-dx";
inline constexpr char kDemoAdmin[] = "admin";
inline constexpr char kDemoModel[] = "note-extractor";
inline constexpr char kDemoAuditor[] = "audit-hale";
inline constexpr char kDemoResearcher[] = "res-lindqvist";
// The senior adjudicator: annotates nothing, takes escalations.
inline constexpr char kDemoSenior[] = "dr-gallagher";
inline constexpr char kDemoSeniorName[] = "Dr. Maeve Gallagher (senior)";

struct Step {
  int64_t at_us = 0;
  std::string what;     // for an error: "assign case-0007 to dr-fujita"
  uint64_t events = 0;  // how many events it appends (for progress)
  std::function<Status()> run;
};

struct Story {
  std::vector<Step> steps;             // sorted by time (stable)
  uint64_t events = 0;                 // sum of the steps' events
  std::shared_ptr<const void> teller;  // what the steps refer to
};

// The whole timeline. `plan`, `handler` and `adjudication` (a command set
// over handler->core(), docs/adjudication.md) are used when a step runs;
// all must outlive the story.
Story TellStory(const Plan& plan, domain::CommandHandler* handler,
                adjudication::AdjudicationCommands* adjudication);

}  // namespace consilium::cli::demo

#endif  // CONSILIUM_TOOLS_DEMO_STORY_H_
