-- wrk hook: each thread's math.random gets a seed of its own, new in every run. wrk leaves
-- them all at Lua's default seed: every thread and every run would draw the same sequence.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", os.time() * 64 + threads)
end
