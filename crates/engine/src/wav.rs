//! WAV files for the command line and the tests (hound): read any PCM WAV as 48 kHz mono
//! (channels averaged, other rates through `linedesk_voice::resample`), write 48 kHz mono
//! 16-bit.

use std::path::Path;

use linedesk_voice::codec::SAMPLE_RATE;
use linedesk_voice::resample::Converter;

use crate::EngineError;

fn wav_error(path: &Path) -> impl FnOnce(hound::Error) -> EngineError + '_ {
    move |e| EngineError::Wav(format!("{}: {e}", path.display()))
}

/// The samples of `path` as 48 kHz mono `f32`.
pub fn read(path: &Path) -> Result<Vec<f32>, EngineError> {
    let mut reader = hound::WavReader::open(path).map_err(wav_error(path))?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(wav_error(path))?,
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample.saturating_sub(1))) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(wav_error(path))?
        }
    };
    let mut converter = Converter::capture(spec.sample_rate, spec.channels)?;
    let mut mono = Vec::with_capacity(interleaved.len());
    converter.process(&interleaved, &mut mono)?;
    if spec.sample_rate != SAMPLE_RATE {
        // Flush what waits for a full chunk with 10 ms of silence.
        let pad = vec![0.0; spec.sample_rate as usize / 100 * usize::from(spec.channels)];
        converter.process(&pad, &mut mono)?;
    }
    Ok(mono)
}

/// Write `samples` (48 kHz mono) as a 16-bit WAV.
pub fn write(path: &Path, samples: &[f32]) -> Result<(), EngineError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(wav_error(path))?;
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16;
        writer.write_sample(v).map_err(wav_error(path))?;
    }
    writer.finalize().map_err(wav_error(path))
}
