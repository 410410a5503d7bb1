#!/usr/bin/env bash
# Makes the committed video and audio fixtures of the assurai-media tests (and the root CLI
# tests) once, so that no test needs ffmpeg, espeak-ng or sox at test time.
#
#   bash crates/assurai-media/tests/data/make_media_fixtures.sh   (needs ffmpeg with libx264,
#   libmp3lame, libvorbis, libopus and libvpx; espeak-ng; sox)
#
# Made with Debian 12 ffmpeg 5.1, espeak-ng 1.51, sox 14.4.2. x264 defaults: High profile with
# B-frames (3, b-pyramid), which is what text-to-video services and phones produce.
set -euo pipefail
cd "$(dirname "$0")"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
H264=(-c:v libx264 -pix_fmt yuv420p -crf 30 -map_metadata -1 -fflags +bitexact)

# Videos (320x240 at 25 fps unless noted).
# 6 s: black for the first 1.5 s, heavily blurred except during [3 s, 4 s).
ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=6" \
  -vf "boxblur=luma_radius=10:luma_power=3:enable='not(between(t,3,3.99))',drawbox=color=black:t=fill:enable='lt(t,1.5)'" \
  "${H264[@]}" sharp-second.mp4
# 3 s of testsrc2 followed by 3 s of SMPTE bars.
ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" -f lavfi -i "smptebars=size=320x240:rate=25:duration=3" \
  -filter_complex "[0:v][1:v]concat=n=2:v=1[v]" -map "[v]" "${H264[@]}" two-scenes.mp4
# 4 s of testsrc2.
ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=4" "${H264[@]}" testsrc2.mp4
# 2 s of black, 64x48.
ff -f lavfi -i "color=c=black:size=64x48:rate=25:duration=2" "${H264[@]}" black.mp4
# testsrc2.mp4 shown rotated by 90 degrees (display matrix only, same coded frames).
ff -i testsrc2.mp4 -c copy -map_metadata -1 -metadata:s:v:0 rotate=90 testsrc2-rotated.mp4
# 1 s of VP9 in WebM: a codec and container decoded by ffmpeg only.
ff -f lavfi -i "testsrc2=size=64x48:rate=25:duration=1" -c:v libvpx-vp9 -crf 40 -b:v 0 -fflags +bitexact testsrc2-vp9.webm
# A 32x32 PNG still image.
ff -f lavfi -i "testsrc2=size=32x32" -frames:v 1 still.png
# A 1280x720 grey grid PNG (for the CLI image test).
ff -f lavfi -i "color=c=gray:size=1280x720,drawgrid=w=64:h=64:c=white" -frames:v 1 grid-1280x720.png

# Korean speech from espeak-ng (22 050 Hz mono 16-bit WAV) and its derivatives.
espeak-ng -v ko -w korean.wav "안녕하세요. 반갑습니다. 음성 인식 테스트입니다."
sox korean.wav -r 16000 -b 16 korean-sox-16k.wav rate -v
ff -i korean.wav -c:a libmp3lame -b:a 64k -map_metadata -1 korean.mp3
ff -i korean.wav -c:a libvorbis -map_metadata -1 -fflags +bitexact korean.ogg
ff -i korean.wav -c:a flac -map_metadata -1 -fflags +bitexact korean.flac
ff -i korean.wav -ac 2 -ar 48000 -c:a aac -b:a 64k -map_metadata -1 -fflags +bitexact korean-stereo-48k.m4a
ff -i korean.wav -c:a aac -b:a 48k -f adts -map_metadata -1 korean.aac
# Opus: decoded by ffmpeg only.
ff -i korean.wav -c:a libopus -b:a 24k -map_metadata -1 -fflags +bitexact korean.opus
ls -l
