-- wrk hook: each request publishes a new post titled by the second argument (plain words,
-- by which the bench removes them), as the next of the writers whose bearer tokens are the
-- lines of the file named by the first (wrk URL -- FILE TITLE). Untagged, so that the
-- writers share no tag's count.
local here = debug.getinfo(1, "S").source:match("^@(.*/)")
dofile(here .. "summary.lua")
dofile(here .. "seeded.lua")

local content = [[A paragraph with **bold** words, a [link](https://example.com) and `code`.]]
  .. [[\n\n- one\n- two\n\n```python\nprint(1)\n```\n]]
local body
local tokens = {}
local turn = 0

function init(args)
  math.randomseed(seed)
  body = '{"title": "' .. args[2] .. '", "content": "' .. content .. '"}'
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  turn = math.random(#tokens)
end

function request()
  turn = turn % #tokens + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[turn],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", nil, headers, body)
end
