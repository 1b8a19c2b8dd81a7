//## Which tile and channel a thread of the Winograd input/output transforms takes: thread idx
//## of a chunk of params.count tiles (from params.t0) per channel; lt is the tile within the
//## chunk, [[CH]] the channel, img the image and r the tile within it.
  let lt = idx % params.count;
  let [[CH]] = idx / params.count;
  let t = params.t0 + lt;
  let img = t / params.tilesPerImage;
  let r = t % params.tilesPerImage;
