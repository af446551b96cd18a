-- wrk hook: each request GETs one of the paths that are the lines of the file named by the
-- first argument (wrk URL -- FILE), picked at random.
local here = debug.getinfo(1, "S").source:match("^@(.*/)")
dofile(here .. "summary.lua")
dofile(here .. "seeded.lua")

local paths = {}

function init(args)
  math.randomseed(seed)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
