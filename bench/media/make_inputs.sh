#!/usr/bin/env bash
# Makes the benchmark inputs (not committed) in ${1:-target/bench-media}:
#   input-1920x1080.png : a 1920x1080 RGB PNG (test pattern with sensor-like noise)
#   clip-10s-720p.mp4   : a 10-second 1280x720 25 fps H.264 clip (black first second,
#                         blurred except 6-7 s, so selection has real work to do)
#   speech-60s.mp3      : 60 s of Korean speech, 44.1 kHz stereo MP3 (audio benchmark)
set -euo pipefail
out=${1:-target/bench-media}
mkdir -p "$out"
if [[ ! -f "$out/input-1920x1080.png" ]]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi \
    -i "testsrc2=size=1920x1080,noise=alls=12:allf=u" -frames:v 1 "$out/input-1920x1080.png"
fi
if [[ ! -f "$out/clip-10s-720p.mp4" ]]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=10" \
    -vf "boxblur=luma_radius=8:enable='not(between(t,6,6.99))',drawbox=color=black:t=fill:enable='lt(t,1)'" \
    -c:v libx264 -pix_fmt yuv420p -crf 20 "$out/clip-10s-720p.mp4"
fi
if [[ ! -f "$out/speech-60s.mp3" ]]; then
  # 60 s of Korean speech (the test fixture, looped) as a 44.1 kHz stereo 128 kbit/s MP3.
  ffmpeg -hide_banner -loglevel error -y -stream_loop 20 -i crates/assurai-media/tests/data/korean.wav \
    -t 60 -ar 44100 -ac 2 -c:a libmp3lame -b:a 128k "$out/speech-60s.mp3"
fi
ls -l "$out"
